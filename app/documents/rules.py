"""The rules that find candidate coinages in a report's Simplified view, each a function giving `Hit`s.

| rule               | finds                                                         | weight |
|--------------------|---------------------------------------------------------------|--------|
| `quoted`           | a quoted coinage: “数据得地”, 「千万工程」                       | 0.7    |
|                    | … starting with a number: “四个走在前”, “1+N”                    | 0.9    |
| `quoted-name`      | a quoted part and the name it heads: “应急365”综合管理平台       | 0.85   |
| `numbered-formula` | N大X (八大工程), 五百/千万 + 行动/工程, 六服六进-style repeats,   | 0.55–0.7 |
|                    | N个X before punctuation (两个维护), 百项重点合作事项             |        |
| `numbered-package` | a name and N条 (优化营商环境“25条”), N项…举措/措施/政策          | 0.85 / 0.6 |
| `parallel-slogan`  | three or more parallel phrases sharing characters at the same   | 0.6    |
|                    | places: 以文兴业、以文润城、以文惠民; 精心规划、精致建设、精细管理   |        |
| `named`            | a name ending in 平台, 工程, 行动, 计划, 品牌 (…三年行动计划)    | 0.55–0.65 |

What keeps ordinary vocabulary out, besides the stoplist (`vocabulary.ORDINARY`, applied by the caller):
a quote holding a sentence (。；：！？) or fewer than two Han characters and no digit is not a coinage; a
count of things (22个安全生产专业委员会, 21条微循环公交) is not a formula: N个 needs a Chinese numeral and
punctuation right after a short X, N条 must not be followed by the thing counted; a name must have a
modifier outside `vocabulary.GENERIC` (so 综合监管服务平台 is not one); `vocabulary.IDIOMS` (千方百计) are not
formulas; parallel phrases that only share a two-character prefix (文明交通、文明旅游、文明餐桌) are a list,
not a slogan, unless the prefix starts with a preposition (以文兴业).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.documents.text import HAN, han_count
from app.documents.vocabulary import IDIOMS, cut_point, ends_in_verb, is_generic, strip_lead

_OPEN_CLOSE = {"“": "”", "「": "」", "『": "』"}
_CN = "一二三四五六七八九十两"
_BIG = "百千万"
_PUNCT_AFTER = set("”」』、，。；：！？）)〕】…—·,;:!? \u3000\n") | set(
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳㉑㉒㉓㉔㉕㉖㉗㉘㉙㉚㉛㉜㉝㉞㉟㊱㊲㊳㊴㊵㊶㊷㊸㊹㊺㊻㊼㊽㊾㊿"
)


@dataclass(frozen=True, slots=True)
class Hit:
    start: int
    end: int
    rule: str
    weight: float


Rule = Callable[[str], list[Hit]]


def _boundary_after(view: str, end: int) -> bool:
    return end >= len(view) or view[end] in _PUNCT_AFTER


# Quoted coinages.

_QUOTE = re.compile(r"([“「『])([^“”「」『』\n]{1,30}?)([”」』])")
_SENTENCE_MARKS = re.compile(r"[。；：！？!?;:]")
_CODE = re.compile(r"[0-9０-９][0-9０-９+＋NnXx]{1,11}")
_NUMERAL_START = re.compile(rf"^(?:[0-9０-９]|[{_CN}{_BIG}双](?:[^{HAN}]|[{HAN}]))")


def quoted(view: str) -> list[Hit]:
    hits = []
    for m in _QUOTE.finditer(view):
        opener, inner, closer = m.groups()
        if _OPEN_CLOSE[opener] != closer or _SENTENCE_MARKS.search(inner):
            continue
        hans = han_count(inner)
        digits = any(c.isdigit() for c in inner)
        code = _CODE.fullmatch(inner) is not None  # “1310”, “12345”, “1+N”: a numbered formula or a hotline
        if hans < 2 and not (digits and hans >= 1) and not code:
            continue
        if inner in IDIOMS:
            continue
        weight = 0.9 if _NUMERAL_START.match(inner) and (digits or _numbered(inner)) else 0.7
        if "、" in inner or "，" in inner:
            weight = 0.6
        hits.append(Hit(m.start(2), m.end(2), "quoted", weight))
    return hits


def _numbered(inner: str) -> bool:
    """Whether a quoted coinage reads as a numbered formula (四个走在前, 五大行动, 六服六进, 千万工程)."""
    return bool(
        re.match(rf"^[{_CN}{_BIG}双](?:个|大|项|张|条|件|服|进|化|心|城|网|区|带|村|企|拆|增|考|统|链)", inner)
        or re.match(rf"^[{_CN}][{HAN}][{_CN}][{HAN}]", inner)
        or re.match(rf"^[{_CN}]?[{_BIG}]", inner)
    )


# A quoted part heading a name: “应急365”综合管理平台, “昆如意”营商服务品牌, “1+22+3”大安全工作体系.

_QUOTE_HEADS = (
    "三年行动计划|行动计划|三年行动|专项行动|工作体系|体系|机制|模式|改革|格局|工程|平台|行动|计划|品牌"
    "|工作法|清单|指数|集群|产业链|示范区|综合体|服务站|系统|矩阵|指挥中心"
)
_QUOTED_NAME = re.compile(rf"([“「『])[^“”「」『』\n]{{1,16}}?([”」』])([{HAN}]{{0,8}})(?:{_QUOTE_HEADS})")


def quoted_name(view: str) -> list[Hit]:
    hits = []
    for m in _QUOTED_NAME.finditer(view):
        if _OPEN_CLOSE[m.group(1)] != m.group(2):
            continue
        if _SENTENCE_MARKS.search(m.group()) or re.search("[等和与及或的]", m.group(3)):
            continue  # “12345”等平台: the quoted part is one of several
        hits.append(Hit(m.start(), m.end(), "quoted-name", 0.85))
    return hits


# Numbered formulas.

_FORMULA_HEADS = (
    "工程|行动|战略|任务|产业集群|产业|集群|平台|体系|板块|片区|行业|领域|功能|中心|基地|走廊|枢纽|攻坚战|攻坚"
    "|举措|计划|专项|结构|机遇|优势|目标|赛道|会战|品牌|事项|工作"
)
_N_BIG = re.compile(rf"(?:十[一二三四五六七八九]|[{_CN}])大[{HAN}]{{0,5}}?(?:{_FORMULA_HEADS})")
_HUNDREDS = re.compile(rf"(?<![{_CN}{_BIG}\d])(?:[{_CN}]?[{_BIG}]){{1,3}}(?:行动|工程|计划|攻坚|专项行动)")
_N_ITEMS = re.compile(
    rf"(?<![{_CN}{_BIG}\d])[{_CN}{_BIG}]+项(?!项)[{HAN}]{{2,8}}?(?:事项|举措|措施|工程|行动|任务|改革|实事|清单)"
)
_N_GE = re.compile(rf"(?<![{_CN}\d])(?:十[一二三四五六七八九]|[{_CN}])个([{HAN}]{{1,6}}?)(?=[”」』、，。；：）①-⑳]|$)")
_NOT_GE = re.compile(r"方面|部分|百分点|年|月|层面|阶段|环节|重点|领域|地区|城市|方向|国家|单位|维度")
_REPEAT = re.compile(rf"(?<![{_CN}{_BIG}])(?:[{_CN}{_BIG}双][{HAN}]){{2,4}}")


def numbered(view: str) -> list[Hit]:
    hits = [Hit(m.start(), m.end(), "numbered-formula", 0.7) for m in _N_BIG.finditer(view)]
    hits += [Hit(m.start(), m.end(), "numbered-formula", 0.7) for m in _HUNDREDS.finditer(view)]
    hits += [Hit(m.start(), m.end(), "numbered-formula", 0.65) for m in _N_ITEMS.finditer(view)]
    for m in _N_GE.finditer(view):
        if not _NOT_GE.search(m.group(1)):
            hits.append(Hit(m.start(), m.end(), "numbered-formula", 0.55))
    for m in _REPEAT.finditer(view):
        start, end = m.start(), m.end()
        units = view[start:end]
        if any(c in _CN + _BIG + "双" for c in units[1::2]):
            continue  # 一二三四: numerals, not a formula
        # The last unit may be two characters (四进四排查) when that ends at punctuation and one does not.
        if not _boundary_after(view, end) and _boundary_after(view, end + 1) and re.match(f"[{HAN}]", view[end]):
            end += 1
        if view[start:end] in IDIOMS or view[start : start + 4] in IDIOMS:
            continue
        if not _boundary_after(view, end):
            continue  # 一园六区引进…: the formula's end is not known
        hits.append(Hit(start, end, "numbered-formula", 0.6))
    return hits


# Numbered packages.

_TIAO = re.compile(rf"([{HAN}]{{2,16}})([“「]?)(\d{{1,3}}|[一二三四五六七八九十]{{1,3}})条([”」]?)")
_AFTER_TIAO = re.compile(
    rf"(?:[{re.escape(''.join(sorted(_PUNCT_AFTER)))}]|政策|措施|举措|意见|等|和|与|及|为|的|落地|落实|兑现|$)"
)
_PACKAGE_ITEMS = re.compile(rf"\d{{1,3}}项([{HAN}]{{1,10}}?)(?:举措|措施|政策)")


def packages(view: str) -> list[Hit]:
    hits = []
    for m in _TIAO.finditer(view):
        name, q1, _n, q2 = m.groups()
        if bool(q1) != bool(q2):
            continue
        if not _AFTER_TIAO.match(view, m.end()):
            continue  # 21条微循环公交: a count of routes
        stripped, lead = strip_lead(name, 2)
        if len(stripped) < 2:
            continue
        hits.append(Hit(m.start() + lead, m.end(), "numbered-package", 0.85))
    hits += [Hit(m.start(), m.end(), "numbered-package", 0.6) for m in _PACKAGE_ITEMS.finditer(view)]
    return hits


# Parallel slogans.

_RUN = re.compile(rf"[{HAN}]+(?:、[{HAN}]+){{2,}}")
_PREPOSITIONS = set("以向为用靠促抓强优提让把在兴")
_FUNCTION_CHARS = set("与和及或的之同并")


def parallel(view: str) -> list[Hit]:
    hits = []
    for m in _RUN.finditer(view):
        raw = m.group().split("、")
        width = len(raw[1])
        if not 4 <= width <= 5 or any(len(r) != width for r in raw[1:-1]):
            continue
        if len(raw[0]) < width or len(raw[-1]) < width:
            continue
        items = [raw[0][-width:], *raw[1:-1], raw[-1][:width]]
        shared = [i for i in range(width) if len({item[i] for item in items}) == 1]
        if not shared or len(shared) == width:
            continue
        if all(items[0][i] in _FUNCTION_CHARS for i in shared):
            continue  # 继承与创新、合作与竞争、发展与安全: pairs joined by 与, a list
        if shared == list(range(len(shared))) and len(shared) >= 2 and items[0][0] not in _PREPOSITIONS:
            continue  # 文明交通、文明旅游、文明餐桌: a list of one kind of thing
        if shared == list(range(width - len(shared), width)) and len(shared) >= 2:
            continue  # 文化建设、生态建设、城市建设
        start = m.start() + len(raw[0]) - width
        end = m.end() - (len(raw[-1]) - width)
        hits.append(Hit(start, end, "parallel-slogan", 0.6))
    return hits


# Named platforms, programmes and brands.

_NAME_SUFFIX = re.compile(r"三年行动计划|行动计划|三年行动|专项行动|攻坚行动|行动|工程|计划|平台|品牌")
_NAME_CHAR = re.compile(rf"[{HAN}A-Za-z0-9+＋]")
_BLOCKED_AFTER = {
    "工程": ("技术", "师", "院", "机械", "化", "建设项目", "车"),
    "平台": ("经济", "企业", "公司"),
    "计划": ("单列", "生育"),
    "品牌": ("价值", "战略"),
    "行动": ("方案", "计划"),
}
_MAX_MODIFIER = 12
_JOINED = tuple("等的和与及或、")
_CONSTRUCTION = (
    *("改造", "拓宽", "改扩建", "扩建", "新建", "建设", "修缮"),
    *("整治", "提升", "提质", "一期", "二期", "三期", "段", "路", "桥", "线", "河", "道"),
)


def named(view: str) -> list[Hit]:
    hits = []
    for m in _NAME_SUFFIX.finditer(view):
        suffix = m.group()
        if any(view.startswith(b, m.end()) for b in _BLOCKED_AFTER.get(suffix, ())):
            continue
        start = m.start()
        while start > m.start() - _MAX_MODIFIER and start > 0 and _NAME_CHAR.match(view[start - 1]):
            start -= 1
        bounded = start == 0 or not _NAME_CHAR.match(view[start - 1])
        modifier = view[start : m.start()]
        if modifier.endswith(_JOINED) or ends_in_verb(modifier):
            continue  # 文明交通、文明餐桌等行动, 打响品牌: the suffix alone
        if suffix == "工程" and modifier.endswith(_CONSTRUCTION):
            continue  # 意东三路拓宽改造工程: a construction project, not a programme
        cut = cut_point(modifier)
        if cut:
            modifier, start, bounded = modifier[cut:], start + cut, True
        stripped, lead = strip_lead(modifier, 2)
        start += lead
        if len(stripped) < 2 or is_generic(stripped) or re.fullmatch(r"[0-9+＋]+", stripped):
            continue
        if not bounded and not lead:
            continue  # no boundary within reach: where the name begins is a guess
        weight = 0.65 if re.search(r"[A-Za-z0-9]", stripped) else 0.55
        hits.append(Hit(start, m.end(), "named", weight))
    return hits


RULES: tuple[Rule, ...] = (quoted, quoted_name, numbered, packages, parallel, named)
