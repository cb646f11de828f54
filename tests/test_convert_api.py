import pytest

from app.core.script import available_configs
from tests.appclient import AppClient

TEXT = "围绕“马上办”“六服六进”等重点任务，推行“数据得地”、数字征信等改革举措。"


@pytest.mark.parametrize("config", available_configs())
def test_every_installed_config_converts(client: AppClient, config: str):
    response = client.post("/v1/convert", json={"text": TEXT, "config": config, "protect_terms": False})
    assert response.status_code == 200
    assert response.json()["config"] == config


def test_s2tw_converts_characters(client: AppClient):
    out = client.post("/v1/convert", json={"text": "数据得地", "config": "s2tw"}).json()
    assert out == {"text": "數據得地", "config": "s2tw"}


def test_unknown_config_is_422_listing_the_valid_ones(client: AppClient):
    response = client.post("/v1/convert", json={"text": TEXT, "config": "s2klingon"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "s2klingon" in detail
    assert "s2twp" in detail
    assert "hk2s" in detail
