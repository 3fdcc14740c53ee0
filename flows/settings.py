"""Reading config.toml and the form definition, once, at the edge."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rtr.checking.rules import RuleContext
from rtr.config import Config, ConfigError, parse_config
from rtr.form.schema import FormSchema, default_schema_text, parse_schema
from rtr.reading.values import city_index


def load_config(path: Path) -> Config:
    if not path.exists():
        raise ConfigError(f"找不到配置文件 {path}（config file not found）：请在项目根目录运行，或用 --config 指定")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML（{exc}）") from exc
    return parse_config(raw, path.resolve().parent)


@dataclass(frozen=True)
class Setup:
    config: Config
    schema: FormSchema
    schema_text: str

    def rule_context(self, today: date, roster: frozenset[str] | None) -> RuleContext:
        return RuleContext(self.schema, city_index(self.config.cities), today, self.config.thresholds, roster)


def load_setup(config_path: Path) -> Setup:
    text = default_schema_text()
    return Setup(load_config(config_path), parse_schema(text), text)
