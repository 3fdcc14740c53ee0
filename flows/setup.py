"""Set up once, at the edge of every command and flow: config.toml, the form, the roster, the store.

`load_setup` reads them once and applies the command's path overrides; the result is passed down
as an object. Nothing below the edge reads a setting from a file again.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from flows.files import os_reason
from rtr.checking.rules import RuleContext
from rtr.config import Config, ConfigError, parse_config, with_overrides
from rtr.form.schema import FormSchema, default_schema
from rtr.reading.roster import RosterFirm, parse_roster
from rtr.reading.values import city_index
from rtr.reading.workbook import load_workbook
from rtr.store import Store

REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
DOCUMENT_TEMPLATES = {
    "province_report": "province_report.docx",
    "city_report": "city_report.docx",
    "city_notice": "city_notice.docx",
}


class RosterError(ConfigError):
    """The configured roster cannot be read: a configuration problem (exit 2)."""


@dataclass(frozen=True)
class Overrides:
    """A command's path options: they move what the run reads (inbox, roster) and writes (db, out)."""

    inbox: Path | None = None
    db: Path | None = None
    out: Path | None = None
    roster: Path | None = None


@dataclass(frozen=True)
class Setup:
    config: Config  # with the command's overrides applied
    schema: FormSchema
    roster: list[RosterFirm] | None = None
    today: date = field(default_factory=date.today)  # in the configured time zone

    def rule_context(self) -> RuleContext:
        usccs = frozenset(f.uscc for f in self.roster) if self.roster is not None else None
        return RuleContext(self.schema, city_index(self.config.cities), self.today, self.config.thresholds, usccs)


def read_config(path: Path) -> Config:
    """config.toml, checked against its schema, with its templates resolved and checked to exist."""
    if not path.exists():
        raise ConfigError(f"找不到配置文件 {path}：请在项目根目录运行，或用 --config 指定配置文件")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}：不是有效的 TOML 文件（{exc}）") from exc
    config = parse_config(raw, path.resolve().parent, path.name)
    templates = {key: config.templates.get(key) or REPO_TEMPLATES / name for key, name in DOCUMENT_TEMPLATES.items()}
    for key, template in templates.items():
        if not template.is_file():
            raise ConfigError(f"{path.name}：[templates] {key}：找不到报告模板 {template}")
    return replace(config, templates=templates, source=path)


def load_roster(path: Path | None, config: Config, schema: FormSchema) -> list[RosterFirm] | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RosterError(f"名录文件无法读取：{path}（{os_reason(exc)}）") from exc
    loaded = load_workbook(data, path.suffix, config.limits)
    if loaded.problem:
        raise RosterError(f"名录文件 {path} 无法读取：{loaded.problem}")
    firms = parse_roster(loaded.sheets or [], schema, city_index(config.cities))
    if not firms:
        raise RosterError(f"名录文件 {path} 中没有找到“律所名称 / 统一社会信用代码 / 所在地市”表头和数据")
    return firms


def local_now(config: Config) -> datetime:
    """Now in the configured time zone: what staff and firms read (a receipt's time, a mail's Date)."""
    return datetime.now(ZoneInfo(config.schedule.timezone))


def local_today(config: Config) -> date:
    """A half-year ends on the local calendar (the configured time zone), not the machine's."""
    return local_now(config).date()


def load_setup(config_path: Path, overrides: Overrides = Overrides(), *, with_roster: bool = True) -> Setup:
    config = with_overrides(read_config(config_path), **vars(overrides))
    schema = default_schema()  # form.toml, parsed once per process (its groups are module constants too)
    roster = load_roster(config.roster, config, schema) if with_roster else None
    return Setup(config, schema, roster, local_today(config))


@contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The run's store; a folder it cannot be created or written in is a configuration problem."""
    path = make_url(config.store_url).database if config.store_url.startswith("sqlite") else None
    if path and Path(path).is_dir():
        raise ConfigError(
            f"数据库路径是一个文件夹：{path}（--db 或 [paths] store 应指向一个文件，如 data/returns.sqlite）"
        )
    try:
        store = Store(config.store_url)
    except OSError as exc:
        folder = Path(path).parent if path else exc.filename or config.store_url
        raise ConfigError(f"数据库文件夹不可写：{folder}（{os_reason(exc)}）：请检查 --db 或 [paths] store") from exc
    except OperationalError as exc:  # SQLite in a folder it may read but not write (its journal goes beside it)
        path = make_url(config.store_url).database
        if (path and not os.access(Path(path).parent, os.W_OK | os.X_OK)) or "readonly" in str(exc.orig):
            raise ConfigError(f"数据库文件夹不可写：{Path(path or '').parent}（{exc.orig}）") from exc
        raise
    try:
        yield store
    finally:
        store.close()


def require_folder(folder: Path, what: str) -> None:
    if not folder.is_dir():
        raise ConfigError(f"{what}不存在：{folder}")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise ConfigError(f"{what}无法读取：{folder}")
