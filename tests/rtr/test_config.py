"""config.toml against its declared schema: defaults, overrides, and a refusal that says what to fix."""

from pathlib import Path

import pytest

from flows.setup import read_config
from rtr.config import GUANGDONG, ConfigError, parse_config, with_overrides

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_config_has_the_defaults():
    cfg = read_config(ROOT / "config.toml")
    assert cfg.province == "广东省" and cfg.cities == GUANGDONG and len(cfg.cities) == 21
    assert cfg.inbox == ROOT / "inputs" and cfg.store_url.endswith("data/returns.sqlite")
    assert cfg.schedule.report_cron == "0 9 10 1,7 *" and cfg.schedule.timezone == "Asia/Shanghai"
    assert cfg.thresholds.min_theme_days == 6 and cfg.small_medium_max_lawyers == 50
    assert cfg.roster is None and cfg.email.password_env == "RTR_SMTP_PASSWORD"
    assert cfg.templates["province_report"].is_file() and cfg.templates["city_report"].is_file()
    assert cfg.issuer == "中共广东省律师行业委员会" and cfg.deadline.remind_days_before == (7, 2)


def test_empty_config_gets_defaults(tmp_path):
    cfg = parse_config({}, tmp_path)
    assert cfg.cities == GUANGDONG and cfg.receipts == tmp_path / "outputs/回执"


def test_a_new_city_needs_only_config(tmp_path):
    cfg = parse_config({"province": {"name": "某省", "cities": ["甲市", "乙州"]}}, tmp_path)
    assert cfg.cities == ("甲市", "乙州")


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        # typos: the file, the section, the key, and the nearest known key
        (
            {"schedule": {"scan_every_minute": 1}},
            "未知设置 [schedule] scan_every_minute：是否想写 scan_every_minutes？",
        ),
        ({"path": {"inbox": "x"}}, "未知配置节 [path]：是否想写 [paths]？"),
        ({"email": {"recipients": ["a@b.cn"]}}, "未知设置 [email] recipients："),
        # values
        ({"province": {"cities": []}}, "[province] cities：地市名单为空"),
        ({"province": {"cities": ["广州市", "广州市"]}}, "[province] cities：地市名单中重复列出了 广州市"),
        ({"province": {"cities": "广州市"}}, "[province] cities 应为列表"),
        ({"schedule": {"report_cron": "0 9 32 1 *"}}, "[schedule] report_cron：“0 9 32 1 *”不是有效的 cron 表达式"),
        ({"schedule": {"timezone": "Asia/Shanghia"}}, "[schedule] timezone：未知时区“Asia/Shanghia”"),
        (
            {"email": {"province_recipients": ["sheng-at-example.org"]}},
            "[email] province_recipients：“sheng-at-example.org”不是电子邮件地址",
        ),
        (
            {"email": {"city_recipients": {"火星市": ["a@b.cn"]}}},
            "[email.city_recipients] 中的 火星市 不在 [province] cities 中",
        ),
        ({"rules": {"min_theme_days": "six"}}, '[rules] min_theme_days 应为整数，而不是 "six"'),
        ({"rules": {"min_theme_days": -1}}, "[rules] min_theme_days 应不小于 0，而不是 -1"),
        ({"rules": {"min_theme_days": 2.5}}, "[rules] min_theme_days 应为整数，而不是 2.5"),
        ({"email": {"security": "tls1.0"}}, '[email] security 应为 ssl、starttls 或 none 之一，而不是 "tls1.0"'),
        ({"paths": {"inbox": 3}}, "[paths] inbox 应为带引号的文字，而不是 3"),
        ({"intake": {"settle_seconds": True}}, "[intake] settle_seconds 应为数字，而不是 true"),
        ({"deadline": {"h1": "7-10"}}, "[deadline] h1：“7-10”不是“月-日”"),
        ({"report": {"empty_city": "zero"}}, "[report] empty_city 应为 notice 或 skip 之一"),
    ],
)
def test_bad_settings_say_what_to_fix(tmp_path, raw, line):
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, tmp_path, "config.toml")
    message = str(caught.value)
    assert message.startswith("config.toml：") and line in message, message
    assert "Input should" not in message  # no pydantic English


def test_every_problem_of_a_file_is_listed(tmp_path):
    raw = {"schedule": {"scan_every_minute": 1}, "rules": {"min_theme_days": "six"}}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, tmp_path)
    assert len(str(caught.value).splitlines()) == 2


def test_a_template_that_does_not_exist_is_refused_when_the_file_is_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[templates]\ncity_report = "templates/城市.docx"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[templates\] city_report：找不到报告模板"):
        read_config(path)


def test_overrides_move_everything_a_run_writes(tmp_path):
    cfg = parse_config({}, tmp_path)
    trial = with_overrides(cfg, db=tmp_path / "trial/t.sqlite", out=tmp_path / "trial/out")
    assert trial.store_url.endswith("trial/t.sqlite") and trial.archive == tmp_path / "trial/originals"
    assert trial.outputs == tmp_path / "trial/out" and trial.receipts == tmp_path / "trial/out/回执"
    alone = with_overrides(cfg, db=tmp_path / "trial/t.sqlite")
    assert alone.outputs == tmp_path / "trial" and alone.receipts == tmp_path / "trial/回执"
    # --out alone moves the report's outputs; the intake's receipts and originals stay with the store
    out_only = with_overrides(cfg, out=tmp_path / "elsewhere")
    assert out_only.outputs == tmp_path / "elsewhere"
    assert (out_only.receipts, out_only.archive, out_only.store_url) == (cfg.receipts, cfg.archive, cfg.store_url)
