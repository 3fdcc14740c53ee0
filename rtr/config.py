"""Settings from config.toml, as plain frozen data. Parsing is pure; the file is read in flows/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rtr.checking.rules import Thresholds
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


@dataclass(frozen=True)
class Schedule:
    scan_every_minutes: float = 10
    report_cron: str = "0 9 10 1,7 *"
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class Email:
    enabled: bool = False
    host: str = ""
    port: int = 465
    security: str = "ssl"  # ssl | starttls | none
    user: str = ""
    sender: str = ""
    password_env: str = "RTR_SMTP_PASSWORD"
    province_recipients: tuple[str, ...] = ()
    city_recipients: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_attempts: int = 3  # per message, for temporary failures (4xx, connection errors)
    retry_seconds: float = 5.0  # first wait; doubles after each failed attempt
    timeout_seconds: float = 30.0
    receipts_to_firms: bool = False  # each receipt to the firm's address (H10, else the roster's 联系邮箱)
    reminders: bool = False  # reminders before the deadline to firms not yet accepted


@dataclass(frozen=True)
class Report:
    """[report]: what the documents say about who issues them and whom to contact."""

    issuer: str = ""  # 发文机关署名; "" means 中共{province}律师行业委员会
    date: date | None = None  # 成文日期; None means the day the report is made
    office_contact: str = ""  # name and phone printed on receipts and notices
    empty_city: str = "notice"  # notice | skip: what a city with no accepted return gets


@dataclass(frozen=True)
class Deadline:
    """[deadline]: the day each half-year's returns are due ("MM-DD"; H2's in the next year)."""

    h1: str = "07-10"
    h2: str = "01-10"
    remind_days_before: tuple[int, ...] = (7, 2)


RUNNER_KINDS = ("threads", "processes", "dask")


@dataclass(frozen=True)
class Runner:
    """Where intake's read-and-check batches run; storing stays in the flow's process."""

    kind: str = "processes"  # processes | threads | dask
    workers: int = 2  # threads or processes; for dask, the workers of a local cluster when no address is given
    dask_address: str = ""  # tcp://scheduler:8786 of an existing Dask cluster
    batch_size: int = 2000  # files per task: one task run, one store transaction and one sync a batch


@dataclass(frozen=True)
class Config:
    root: Path
    province: str = "广东省"
    cities: tuple[str, ...] = GUANGDONG
    inbox: Path = Path("inputs")
    outputs: Path = Path("outputs")
    store_url: str = ""
    archive: Path = Path("data/originals")
    receipts: Path = Path("outputs/回执")
    roster: Path | None = None
    settle_seconds: float = 3.0
    limits: Limits = Limits()
    thresholds: Thresholds = Thresholds()
    small_medium_max_lawyers: int = 50
    schedule: Schedule = Schedule()
    templates: dict[str, Path] = field(default_factory=dict)
    email: Email = Email()
    runner: Runner = Runner()
    report: Report = Report()
    deadline: Deadline = Deadline()

    @property
    def issuer(self) -> str:
        return self.report.issuer or f"中共{self.province}律师行业委员会"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _section(raw: dict, name: str) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"config.toml: [{name}] should be a table of settings")
    return value


def _number(section: dict, name: str, key: str, default: float, *, minimum: float = 0, whole: bool = False):
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise ConfigError(f"config.toml: [{name}] {key} should be a number ≥ {minimum}, not {value!r}")
    if whole and not float(value).is_integer():
        raise ConfigError(f"config.toml: [{name}] {key} should be a whole number, not {value!r}")
    return int(value) if whole else value


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"config.toml: {where} should be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_config(raw: dict, root: Path) -> Config:
    """Relative paths are taken from the config file's folder (`root`)."""
    province = _section(raw, "province")
    paths = _section(raw, "paths")
    intake = _section(raw, "intake")
    rules = _section(raw, "rules")
    metrics = _section(raw, "metrics")
    schedule = _section(raw, "schedule")
    email = _section(raw, "email")
    report = _section(raw, "report")
    deadline = _section(raw, "deadline")
    runner = _section(raw, "runner")
    kind = runner.get("kind", Runner.kind)
    if kind not in RUNNER_KINDS:
        raise ConfigError(f"config.toml: [runner] kind should be one of {', '.join(RUNNER_KINDS)}, not {kind!r}")

    def path(key: str, default: str) -> Path:
        value = paths.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"config.toml: [paths] {key} should be a path")
        p = Path(value).expanduser()
        return p if p.is_absolute() else root / p

    cities = _strings(province.get("cities", list(GUANGDONG)), "[province] cities")
    if len(set(cities)) != len(cities):
        raise ConfigError("config.toml: [province] cities lists a city twice")
    store_url = paths.get("store_url", "") or sqlite_url(path("store", "data/returns.sqlite"))
    roster = paths.get("roster", "")
    security = email.get("security", "ssl")
    if security not in ("ssl", "starttls", "none"):
        raise ConfigError(f"config.toml: [email] security should be ssl, starttls or none, not {security!r}")
    city_recipients = _section(email, "city_recipients") if "city_recipients" in email else {}
    unknown = set(city_recipients) - set(cities)
    if unknown:
        raise ConfigError(
            f"config.toml: [email.city_recipients] names cities not in [province] cities: {', '.join(sorted(unknown))}"
        )
    defaults = Thresholds()
    thresholds = Thresholds(
        **{
            key: _number(rules, "rules", key, getattr(defaults, key), whole=isinstance(getattr(defaults, key), int))
            for key in defaults.__dataclass_fields__
        }
    )
    limits = Limits(
        max_file_bytes=int(_number(intake, "intake", "max_file_mb", 20, minimum=0.001) * 2**20),
        max_uncompressed_bytes=int(_number(intake, "intake", "max_uncompressed_mb", 100, minimum=0.001) * 2**20),
        max_compression_ratio=_number(intake, "intake", "max_compression_ratio", 100, minimum=1),
        max_cells=_number(intake, "intake", "max_cells", 2_000_000, minimum=1, whole=True),
        max_sheets=_number(intake, "intake", "max_sheets", 200, minimum=1, whole=True),
    )
    templates = {k: (root / v if not Path(v).is_absolute() else Path(v)) for k, v in _section(raw, "templates").items()}
    return Config(
        root=root,
        province=str(province.get("name", "广东省")),
        cities=cities,
        inbox=path("inbox", "inputs"),
        outputs=path("outputs", "outputs"),
        store_url=store_url,
        archive=path("archive", "data/originals"),
        receipts=path("receipts", "outputs/回执"),
        roster=path("roster", roster) if roster else None,
        settle_seconds=_number(intake, "intake", "settle_seconds", 3.0),
        limits=limits,
        thresholds=thresholds,
        small_medium_max_lawyers=_number(metrics, "metrics", "small_medium_max_lawyers", 50, minimum=1, whole=True),
        schedule=Schedule(
            scan_every_minutes=_number(schedule, "schedule", "scan_every_minutes", 10, minimum=0.1),
            report_cron=str(schedule.get("report_cron", "0 9 10 1,7 *")),
            timezone=str(schedule.get("timezone", "Asia/Shanghai")),
        ),
        templates=templates,
        email=Email(
            enabled=bool(email.get("enabled", False)),
            host=str(email.get("host", "")),
            port=_number(email, "email", "port", 465, minimum=1, whole=True),
            security=security,
            user=str(email.get("user", "")),
            sender=str(email.get("sender", "")),
            password_env=str(email.get("password_env", "RTR_SMTP_PASSWORD")),
            province_recipients=_strings(email.get("province_recipients", []), "[email] province_recipients")
            if email.get("province_recipients")
            else (),
            city_recipients={c: _strings(v, f"[email.city_recipients] {c}") for c, v in city_recipients.items()},
            max_attempts=_number(email, "email", "max_attempts", 3, minimum=1, whole=True),
            retry_seconds=_number(email, "email", "retry_seconds", 5.0),
            timeout_seconds=_number(email, "email", "timeout_seconds", 30.0, minimum=0.1),
            receipts_to_firms=bool(email.get("receipts_to_firms", False)),
            reminders=bool(email.get("reminders", False)),
        ),
        runner=Runner(
            kind=kind,
            workers=_number(runner, "runner", "workers", 2, minimum=1, whole=True),
            dask_address=str(runner.get("dask_address", "")),
            batch_size=_number(runner, "runner", "batch_size", 2000, minimum=1, whole=True),
        ),
        report=Report(
            issuer=str(report.get("issuer", "")),
            date=report.get("date") if isinstance(report.get("date"), date) else None,
            office_contact=str(report.get("office_contact", "")),
            empty_city=str(report.get("empty_city", "notice")),
        ),
        deadline=Deadline(
            h1=str(deadline.get("h1", "07-10")),
            h2=str(deadline.get("h2", "01-10")),
            remind_days_before=tuple(int(d) for d in deadline.get("remind_days_before", [7, 2])),
        ),
    )
