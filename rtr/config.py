"""config.toml: its declared schema (pydantic models, unknown keys refused) and the resolved settings.

`parse_config(raw, root, source)` is pure: a parsed TOML dict in, a frozen `Config` out, or a
`ConfigError` whose lines each name the file, the section and the key, in Chinese, with the nearest
known key for a misspelling. The file itself is read at the edge (flows/setup.py), which also checks
what needs the disk (the templates exist).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import typing
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from rtr.checking.rules import Thresholds
from rtr.reading.emails import is_address
from rtr.reading.workbook import Limits

GUANGDONG = (
    "广州市",
    "韶关市",
    "深圳市",
    "珠海市",
    "汕头市",
    "佛山市",
    "江门市",
    "湛江市",
    "茂名市",
    "肇庆市",
    "惠州市",
    "梅州市",
    "汕尾市",
    "河源市",
    "阳江市",
    "清远市",
    "东莞市",
    "中山市",
    "潮州市",
    "揭阳市",
    "云浮市",
)


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


# An address a mail server takes: local@domain.tld (no spaces, one @, a dot in the domain).


def is_email_address(text: str) -> bool:
    """`name@example.org`, or with a display name: `党建报表 <name@example.org>`."""
    _, address = parseaddr(text)
    return is_address(address) and (address == text.strip() or text.strip().endswith(f"<{address}>"))


class Section(BaseModel):
    """A table of config.toml: unknown keys are errors, types are not coerced ("six" is not 6)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]
Count = Annotated[int, Field(ge=1)]
# TOML has lists, not tuples: the list itself is converted, its items are still strictly typed
Strings = Annotated[tuple[Annotated[str, Strict()], ...], Field(strict=False)]
DayCounts = Annotated[tuple[Annotated[int, Strict(), Field(ge=0)], ...], Field(strict=False)]


def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    bad = [v for v in values if not is_email_address(v.strip())]
    if bad:
        raise ValueError(f"“{bad[0]}”不是电子邮件地址（应形如 name@example.org）")
    return tuple(v.strip() for v in values)


class Province(Section):
    name: str = "广东省"
    cities: Strings = GUANGDONG

    @field_validator("cities")
    @classmethod
    def _cities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cities = tuple(c.strip() for c in value)
        if not cities or not all(cities):
            raise ValueError("地市名单为空：请列出本省的地市（每个正确的报表都会因“所在地市不在名单中”被退回）")
        twice = sorted({c for c in cities if cities.count(c) > 1})
        if twice:
            raise ValueError(f"地市名单中重复列出了 {'、'.join(twice)}")
        return cities


class Paths(Section):
    inbox: str = "inputs"
    outputs: str = "outputs"
    receipts: str = "outputs/回执"
    store: str = "data/returns.sqlite"
    store_url: str = ""
    archive: str = "data/originals"
    roster: str = ""

    @field_validator("inbox", "outputs", "receipts", "store", "archive")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("路径不能为空")
        return value


class Intake(Section):
    settle_seconds: NonNegative = 3.0
    max_file_mb: Positive = 20
    max_uncompressed_mb: Positive = 100
    max_compression_ratio: Annotated[float, Field(ge=1)] = 100
    max_cells: Count = 2_000_000  # the area a reader would allocate for one sheet
    max_total_cells: Count = 4_000_000  # the same over all the sheets of a file
    max_sheets: Count = 200
    # each file is parsed in a worker process with this much address space, and cut off after this
    # long: a file that makes a reader allocate or spin without bound costs only its own F01
    worker_memory_mb: Annotated[float, Field(ge=256)] = 2048
    seconds_per_file: Positive = 60


class Runner(Section):
    """Where intake's read-and-check batches run; storing stays in the run's own process."""

    kind: Literal["processes", "threads", "dask"] = "processes"
    workers: Count = 2  # threads or processes; for dask, the workers of a local cluster when no address is given
    dask_address: str = ""  # tcp://scheduler:8786 of an existing Dask cluster
    batch_size: Count = 2000  # files per task: one task run, one store transaction and one sync a batch


class Metrics(Section):
    small_medium_max_lawyers: Count = 50


class Schedule(Section):
    scan_every_minutes: Positive = 1  # a receipt is there about a minute after a file settles
    report_cron: str = "0 9 10 1,7 *"
    remind_cron: str = "0 9 * * *"  # when the daily reminder run looks for reminders due ([deadline])
    timezone: str = "Asia/Shanghai"

    @field_validator("report_cron", "remind_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from cronsim import CronSim, CronSimError

        try:
            CronSim(value, dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        except CronSimError as exc:
            raise ValueError(
                f'“{value}”不是有效的 cron 表达式（如 "0 9 10 1,7 *" 表示 1 月和 7 月 10 日 9:00）'
            ) from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"未知时区“{value}”（如 Asia/Shanghai）") from exc
        return value


class Templates(Section):
    province_report: str = ""  # "" means the one shipped in templates/
    city_report: str = ""
    city_notice: str = ""  # the one-page notice for a city with no accepted return


class Email(Section):
    enabled: bool = False
    host: str = ""
    port: Annotated[int, Field(ge=1, le=65535)] = 465
    security: Literal["ssl", "starttls", "none"] = "ssl"
    user: str = ""
    sender: str = ""
    password_env: str = "RTR_SMTP_PASSWORD"
    province_recipients: Strings = ()
    city_recipients: dict[str, Strings] = {}
    max_attempts: Count = 3  # per message, for temporary failures (4xx, connection errors)
    retry_seconds: NonNegative = 5.0  # first wait; doubles after each failed attempt
    timeout_seconds: Positive = 30.0
    receipts_to_firms: bool = False  # each receipt to the firm's address (H10, else the roster's 联系邮箱)
    reminders: bool = False  # reminders before the deadline to firms not yet accepted

    @field_validator("province_recipients")
    @classmethod
    def _province(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _addresses(value)

    @field_validator("city_recipients")
    @classmethod
    def _cities(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        return {city: _addresses(v) for city, v in value.items()}

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        if value and not is_email_address(value.strip()):
            raise ValueError(f"“{value}”不是电子邮件地址（应形如 name@example.org）")
        return value.strip()


class Report(Section):
    """[report]: who issues the documents, when, and whom firms and cities contact."""

    issuer: str = ""  # 发文机关署名; "" means 中共{province}律师行业委员会
    date: dt.date | None = None  # 成文日期; None means the day the report is made
    office_contact: str = ""  # name and phone printed on receipts and notices
    empty_city: Literal["notice", "skip"] = "notice"  # what a city with no accepted return gets


_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


class Deadline(Section):
    """[deadline]: the day each half-year's returns are due ("MM-DD"; H2's in the next year)."""

    h1: str = "07-10"
    h2: str = "01-10"
    remind_days_before: DayCounts = (7, 2)  # 0: on the deadline day itself

    @field_validator("h1", "h2")
    @classmethod
    def _month_day(cls, value: str) -> str:
        m = _MONTH_DAY.match(value)
        try:
            dt.date(2024, int(m[1]), int(m[2])) if m else dt.date.fromisoformat("x")
        except ValueError as exc:
            raise ValueError(f'“{value}”不是“月-日”（如 "07-10"）') from exc
        return value


def _rules_model() -> type[Section]:
    """[rules] declared from the core's Thresholds: a new threshold is a field there and nothing here."""
    hints = typing.get_type_hints(Thresholds)
    fields = {f.name: (Annotated[hints[f.name], Field(ge=0)], f.default) for f in dataclasses.fields(Thresholds)}
    return create_model("Rules", __base__=Section, **fields)


Rules = _rules_model()


class ConfigFile(Section):
    """Every section config.toml may hold."""

    province: Province = Province()
    paths: Paths = Paths()
    intake: Intake = Intake()
    runner: Runner = Runner()
    rules: Rules = Rules()  # type: ignore[valid-type]
    metrics: Metrics = Metrics()
    schedule: Schedule = Schedule()
    templates: Templates = Templates()
    email: Email = Email()
    report: Report = Report()
    deadline: Deadline = Deadline()

    @model_validator(mode="after")
    def _recipient_cities(self) -> ConfigFile:
        unknown = sorted(set(self.email.city_recipients) - set(self.province.cities))
        if unknown:
            raise ValueError(
                f"[email.city_recipients] 中的 {'、'.join(unknown)} 不在 [province] cities 中：请检查地市名称"
            )
        return self


@dataclass(frozen=True)
class Config:
    """The settings a run uses: paths resolved against the config file's folder, the core's limits
    and thresholds built, the other sections as declared."""

    root: Path
    province: str
    cities: tuple[str, ...]
    inbox: Path
    outputs: Path
    store_url: str
    archive: Path
    receipts: Path
    roster: Path | None
    settle_seconds: float
    limits: Limits
    worker_memory_mb: float
    seconds_per_file: float
    thresholds: Thresholds
    small_medium_max_lawyers: int
    schedule: Schedule
    templates: dict[str, Path]
    email: Email
    runner: Runner
    report: Report
    deadline: Deadline
    source: Path | None = None  # the file it was read from

    @property
    def issuer(self) -> str:
        return self.report.issuer or f"中共{self.province}律师行业委员会"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


RECEIPTS_FOLDER = "回执"
ARCHIVE_FOLDER = "originals"


def with_overrides(
    config: Config,
    *,
    inbox: Path | None = None,
    db: Path | None = None,
    out: Path | None = None,
    roster: Path | None = None,
) -> Config:
    """A command's path options applied. What a run writes goes with its store: given `db`, the
    originals are kept beside that store, and the receipts and outputs go under `out` or, without
    it, beside the store too, so a trial run never writes into a configured folder. `out` alone
    moves only the report's outputs (its copies of the receipts among them): the intake's receipts
    and originals belong to the configured store, whose ledger says where they are."""
    changes: dict[str, object] = {}
    if inbox is not None:
        changes["inbox"] = inbox
    if roster is not None:
        changes["roster"] = roster
    if db is not None:
        home = db.parent
        changes |= {
            "store_url": sqlite_url(db),
            "archive": home / ARCHIVE_FOLDER,
            "outputs": out or home,
            "receipts": (out or home) / RECEIPTS_FOLDER,
        }
    elif out is not None:
        changes["outputs"] = out
    return dataclasses.replace(config, **changes)


def parse_config(raw: dict, root: Path, source: str = "config.toml") -> Config:
    """Relative paths are taken from the config file's folder (`root`)."""
    try:
        file = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("\n".join(_explain(e, source) for e in exc.errors())) from None

    def path(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else root / p

    p, intake = file.paths, file.intake
    return Config(
        root=root,
        province=file.province.name,
        cities=tuple(file.province.cities),
        inbox=path(p.inbox),
        outputs=path(p.outputs),
        store_url=p.store_url or sqlite_url(path(p.store)),
        archive=path(p.archive),
        receipts=path(p.receipts),
        roster=path(p.roster) if p.roster.strip() else None,
        settle_seconds=intake.settle_seconds,
        worker_memory_mb=intake.worker_memory_mb,
        seconds_per_file=intake.seconds_per_file,
        limits=Limits(
            max_file_bytes=int(intake.max_file_mb * 2**20),
            max_uncompressed_bytes=int(intake.max_uncompressed_mb * 2**20),
            max_compression_ratio=intake.max_compression_ratio,
            max_cells=intake.max_cells,
            max_total_cells=intake.max_total_cells,
            max_sheets=intake.max_sheets,
        ),
        thresholds=Thresholds(**file.rules.model_dump()),
        small_medium_max_lawyers=file.metrics.small_medium_max_lawyers,
        schedule=file.schedule,
        templates={k: path(v) for k, v in file.templates.model_dump().items() if v},
        email=file.email,
        runner=file.runner,
        report=file.report,
        deadline=file.deadline,
    )


_TYPES = {
    "int_type": "整数",
    "float_type": "数字",
    "bool_type": "true 或 false",
    "string_type": "带引号的文字",
    "list_type": '列表（如 ["a", "b"]）',
    "tuple_type": '列表（如 ["a", "b"]）',
    "dict_type": "一节设置（[节名] 下的若干行）",
    "model_type": "一节设置（[节名] 下的若干行）",
    "date_type": "日期（如 2024-07-10，不加引号）",
    "int_from_float": "整数",
}


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = ConfigFile
    for part in loc:
        if model is None or not isinstance(part, str) or part not in model.model_fields:
            return None
        annotation = model.model_fields[part].annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return model


def _toml(value: object) -> str:
    """A value as it would be written in config.toml."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _choices(expected: str) -> str:
    """pydantic's `'ssl', 'starttls' or 'none'` as `ssl、starttls 或 none`."""
    return expected.replace("' or '", " 或 ").replace("', '", "、").strip("'")


def _explain(error: dict, source: str) -> str:
    """One pydantic error as one line a member of staff can act on."""
    loc = tuple(error["loc"])
    kind, ctx = error["type"], error.get("ctx") or {}
    if not loc:  # a check across sections: its message names them
        return f"{source}：{ctx.get('error', error['msg'])}"
    section = loc[0]
    key = ".".join(str(p) for p in loc[1:])
    where = f"[{section}] {key}" if key else f"[{section}]"
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = list(parent.model_fields) if parent is not None else []
        near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if len(loc) == 1:
            hint = f"：是否想写 [{near[0]}]？" if near else "：请删除或改正（可用的节见 README“配置”）"
            return f"{source}：未知配置节 [{loc[0]}]{hint}"
        hint = f"：是否想写 {near[0]}？" if near else "：请删除或改正"
        return f"{source}：未知设置 {where}{hint}"
    value = error.get("input")
    got = f"，而不是 {_toml(value)}" if not isinstance(value, dict | list) else ""
    if kind in _TYPES:
        return f"{source}：{where} 应为{_TYPES[kind]}{got}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal"):
        sign = {"greater_than_equal": "不小于", "greater_than": "大于", "less_than_equal": "不大于"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"{source}：{where} 应{sign} {bound}{got}"
    if kind == "literal_error":
        return f"{source}：{where} 应为 {_choices(str(ctx.get('expected', '')))} 之一{got}"
    if kind == "too_short":
        return f"{source}：{where} 不能为空"
    if kind == "value_error":
        return f"{source}：{where}：{ctx.get('error', error['msg'])}"
    return f"{source}：{where}：{error['msg']}{got}"
