"""The word lists the extraction rules use: what is ordinary vocabulary, and which words frame a name.

`ORDINARY` is the stoplist: statistical indicators, budget lines and generic government vocabulary that a
report writes every year and that no glossary entry is needed for (地区生产总值, 固定资产投资 …). A candidate
found by any rule whose folded form is on it is dropped, footnoted or not (some reports' 名词解释 define GDP);
a term the glossary has is never dropped. `IDIOMS` are four-character idioms that look like numbered formulas
(千方百计, 一心一意). `GENERIC` are modifiers that alone make no name: 综合监管服务平台 is a description, not a
programme, while 城市生命线安全工程 has a word (生命线) outside the list. `LEAD_VERBS` are the verbs and adverbs
a name is introduced with (深入实施, 加快建设), stripped from the left of a candidate.
"""

from __future__ import annotations

import re


def _words(text: str) -> list[str]:
    return text.split()


ORDINARY = frozenset(
    _words(
        """
    地区生产总值 国内生产总值 生产总值 地区生产总值增长 全市地区生产总值 经济总量
    固定资产投资 全社会固定资产投资 工业投资 有效投资 民间投资 基础设施投资
    一般公共预算收入 地方一般公共预算收入 一般公共预算支出 财政总收入 税收收入 非税收入 政府性基金收入
    社会消费品零售总额 进出口总额 外贸进出口总额 实际使用外资 实际利用外资 出口总额 进口总额
    规上工业总产值 规上工业增加值 规模以上工业增加值 规模以上工业总产值 工业增加值 服务业增加值
    城镇调查失业率 城镇登记失业率 居民消费价格 居民消费价格涨幅 城镇新增就业
    居民人均可支配收入 城乡居民人均可支配收入 城镇居民人均可支配收入 农村居民人均可支配收入
    常住人口城镇化率 城镇化率 研发投入 研发投入强度 万人发明专利拥有量 单位生产总值能耗
    高新技术企业 规上工业企业 规模以上工业企业 战略性新兴产业 民营企业 中小企业 国有企业
    政府工作报告 国民经济和社会发展计划 国民经济和社会发展计划草案 财政预算 预算草案
    工业互联网平台 公共服务平台 线上平台 服务平台 信息平台 管理平台 综合管理平台 交易平台 融资平台
    民生实事 民生工程 重点工程 重大工程 重点项目 重大项目 基础设施 公共服务 社会保障
    """
    )
)

IDIOMS = frozenset(
    _words(
        """
    千方百计 一心一意 三番五次 五湖四海 一年一度 四面八方 一言一行 一草一木 千辛万苦 千山万水 一针一线
    一点一滴 一丝一毫 十全十美 七上八下 九牛一毛 一朝一夕 千变万化 一来一回 千军万马 万水千山 一五一十
    三心二意 四平八稳 五颜六色 六神无主 七嘴八舌 八仙过海 九死一生 十拿九稳 百发百中 千锤百炼 万紫千红
    一举一动 一颦一笑 一时一事 一砖一瓦 一桌一椅 一天一个 一年一个 一人一策 一企一策 一事一议
    """
    )
)

GENERIC = tuple(
    sorted(
        _words(
            """
        综合 管理 服务 公共 信息 线上 线下 监管 重点 重大 专项 工作 建设 改造 提升 数字 数字化 智慧 智能 平台 一期
        二期 三期 工业 产业 科技 创新 企业 项目 基础设施 发展 交流 合作 开放 安全 应急 治理 社会 城市 民生
        实事 改扩建 技术 研发 互联网 网络 数据 政务 便民 惠民 民心 民生 质量 标准 品质 特色 示范 试点 行业 领域
        全市 全省 全区 全县 市级 省级 国家级 区级 县级 镇级 各类 一批 多个 系列 专业 综合性 一体化 现代化 新型
        生态 环境 保护 绿色 低碳 节能 降碳 文化 旅游 文旅 体育 教育 医疗 卫生 健康 养老 就业 人才 招商 投资
        金融 财政 农业 农村 乡村 城乡 交通 水利 能源 电力 住房 物流 商务 消费 市场 经济 营商 政策 融资
        供应链 产业链 整治 提质 增效 升级 转型 攻坚 推广 应用 运营 运行 共享 协同 联动 保障 支撑 赋能 培育
        智能化 信息化 网络化 标准化 规范化 化 载体 能级 更高 一流 国际 国内 大型 主要 国家 地方 战略 科创
        成果转化 成果 转化 中试 工程化 新能源 充电 路桥 道路 桥梁 管网 河道 水系
        大 新 老 小 好 优 强 全 多 各 上 下 中 内 外 高 低
        """
        ),
        key=len,
        reverse=True,
    )
)

LEAD_VERBS = tuple(
    sorted(
        _words(
            """
        实施 推进 开展 建设 打造 建成 启动 上线 搭建 深化 推动 组织 举办 开发 运行 创建 争创 打响 擦亮 培育
        落实 完善 构建 健全 启用 推行 推广 用好 发挥 依托 做强 做优 做大 提升 加快 加强 全面 深入 大力 持续
        积极 扎实 全力 着力 继续 进一步 率先 统筹 探索 谋划 聚焦 围绕 实行 出台 制定 发布 升级 迭代 强化
        支持 鼓励 引导 保障 建立 形成 拓展 新建 设立 成立 获评 入选 获批 承办 办好 抓好 做好 筹建 申报
        参与 对接 融入 纳入 接入 印发 兑现 修订 细化 执行 贯彻 研究 出台实施 新出台 落地 开工 完成 通过
        国家级 省级 市级 区级 县级 全国 全省 全市 全区 全县 首批 新一轮
        推出 新增 实现 帮助 一批 一系列 各类 多个 用足 系列
        启动实施 全面实施 深入实施 加快推进 全面推进 深入推进 大力实施 大力推进 持续推进 扎实推进 高标准
        高质量 高水平 不断 切实 坚持 和 与 及 并 将 把 从 的
        """
        ),
        key=len,
        reverse=True,
    )
)


_LEAD = re.compile("|".join(LEAD_VERBS))


def strip_lead(name: str, keep: int) -> tuple[str, int]:
    """`name` without the lead verbs and adverbs on its left (as long as `keep` characters remain), and how many
    characters were stripped."""
    stripped = 0
    while (m := _LEAD.match(name, stripped)) and len(name) - m.end() >= keep:
        stripped = m.end()
    return name[stripped:], stripped


# Inside a name's reach, these end what comes before: a verb introducing the name, or a word joining two.
_CUT_VERBS = tuple(
    sorted(
        _words(
            """
        实施 推进 开展 打造 打响 启动 上线 搭建 推动 举办 创建 争创 落实 构建 健全 启用 推行 推广 用好 用足
        发挥 依托 实现 新增 帮助 支持 建立 设立 成立 获评 入选 获批 深化 完善 开发 运行 建成 加快 加强 深入
        全面 大力 持续 积极 扎实 着力 做好 办好 抓好 推出 出台 开工 承办 组建 引进 招引
        """
        ),
        key=len,
        reverse=True,
    )
)
_CUT_WORDS = "的等和与及或"


_CUT = re.compile(f"(?:{'|'.join(_CUT_VERBS)}|[{_CUT_WORDS}])")


def cut_point(reach: str) -> int:
    """Where a name can begin at the latest in `reach`, the characters before its suffix: after the last verb
    that introduces it or word that joins it to another (0 when there is none), leaving at least two."""
    best = 0
    for m in _CUT.finditer(reach):
        if (m.start() > 0 or m.group() in _CUT_WORDS) and len(reach) - m.end() >= 2:
            best = m.end()
    return best


_ENDS_IN_VERB = re.compile(f"(?:{'|'.join(_CUT_VERBS)})$")


def ends_in_verb(modifier: str) -> bool:
    """Whether `modifier` ends with a verb that introduces a name (企业打响 before 品牌): the name is the bare
    suffix."""
    return _ENDS_IN_VERB.search(modifier) is not None


def is_generic(modifier: str) -> bool:
    """Whether `modifier` is made only of generic words (and so names nothing)."""
    at = 0
    while at < len(modifier):
        for word in GENERIC:
            if modifier.startswith(word, at):
                at += len(word)
                break
        else:
            return False
    return True
