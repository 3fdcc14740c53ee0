from pathlib import Path

import pytest

from flows.settings import load_config
from rtr.config import GUANGDONG, ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_config_has_the_defaults():
    cfg = load_config(ROOT / "config.toml")
    assert cfg.province == "广东省" and cfg.cities == GUANGDONG and len(cfg.cities) == 21
    assert cfg.inbox == ROOT / "inputs" and cfg.store_url.endswith("data/returns.sqlite")
    assert cfg.schedule.report_cron == "0 9 10 1,7 *" and cfg.schedule.timezone == "Asia/Shanghai"
    assert cfg.thresholds.min_theme_days == 6 and cfg.small_medium_max_lawyers == 50
    assert cfg.roster is None and cfg.email.password_env == "RTR_SMTP_PASSWORD"


def test_empty_config_gets_defaults(tmp_path):
    cfg = parse_config({}, tmp_path)
    assert cfg.cities == GUANGDONG and cfg.receipts == tmp_path / "outputs/回执"


def test_a_new_city_needs_only_config(tmp_path):
    cfg = parse_config({"province": {"name": "某省", "cities": ["甲市", "乙州"]}}, tmp_path)
    assert cfg.cities == ("甲市", "乙州")


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ({"rules": {"min_theme_days": -1}}, "min_theme_days"),
        ({"rules": {"min_theme_days": 2.5}}, "whole number"),
        ({"province": {"cities": ["广州市", "广州市"]}}, "twice"),
        ({"province": {"cities": "广州市"}}, None),
        ({"email": {"security": "tls1.0"}}, "security"),
        ({"email": {"city_recipients": {"火星市": ["a@b"]}}}, "火星市"),
        ({"paths": {"inbox": 3}}, "inbox"),
    ],
)
def test_bad_settings_say_what_to_fix(tmp_path, raw, text):
    if text is None:  # a single string is accepted as a one-item list
        assert parse_config(raw, tmp_path).cities == ("广州市",)
        return
    with pytest.raises(ConfigError, match=text):
        parse_config(raw, tmp_path)
