"""报送进度: where each firm stands in a half-year, and the figures per city. Pure: store rows in, records out.

A firm's state in a period comes from its returns there (one counts per uscc and period, see
checking/supersede.py): 已采用 when one is accepted; 退回待修改 when it sent something and none
is accepted (the latest is rejected); 未报送 when it is in the roster and sent nothing. With a
roster, the figures of a city are its roster firms' (应报 = 已采用 + 退回待修改 + 未报送, 报送率 =
已采用 / 应报, the same as summary.json's `report_rate`), and firms that reported but are not in the
roster are counted apart (名录外). Without one, only what was received is known: 已采用 and
退回待修改, by the city the return names.

A return whose uscc could not be read names no firm: it is counted (`unidentified`), never a firm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rtr.checking.findings import ERROR, WARNING, Finding
from rtr.checking.records import stored_text
from rtr.form.periods import Period
from rtr.reading.emails import firm_address

if TYPE_CHECKING:
    from rich.console import Group
from rtr.reading.roster import RosterFirm
from rtr.reporting.metrics import UNKNOWN_CITY, rate
from rtr.reporting.phrasing import pct

ACCEPTED = "accepted"
REJECTED = "rejected"
MISSING = "missing"
STATE_LABELS = {ACCEPTED: "已采用", REJECTED: "退回待修改", MISSING: "未报送"}
TOTAL = "全省合计"
_CONTACT_KEYS = ("contact_name", "contact_phone", "contact_email")


@dataclass(frozen=True)
class PeriodReturn:
    """One return of the period, as much of it as progress, reminders and firm mail read."""

    uscc: str | None
    firm_name: str | None
    city: str | None
    status: str  # accepted | rejected | superseded
    file: str
    sheet: str = ""
    row: int | None = None
    district: str | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""  # H10 as written
    errors: tuple[Finding, ...] = ()  # its E findings: what a rejected return must fix
    warnings: int = 0


def period_return(ret: dict, file_path: str, findings: list[dict]) -> PeriodReturn:
    """From one item of `Store.period_returns(conn, period)`: (return row, file path, finding rows).
    The contact comes from columns of those names when the row has them, else from `values_json`."""
    if all(k in ret for k in _CONTACT_KEYS):
        contact = {k: ret[k] for k in _CONTACT_KEYS}
    else:
        contact = {k: stored_text(ret.get("values_json"), k) for k in _CONTACT_KEYS}
    errors = tuple(
        Finding(
            rule=f["rule"],
            severity=f["severity"],
            message=f["message"],
            file=file_path,
            sheet=f.get("sheet"),
            cell=f.get("cell"),
            field=f.get("field"),
            label=f.get("label"),
            value=f.get("value"),
        )
        for f in findings
        if f["severity"] == ERROR
    )
    return PeriodReturn(
        uscc=ret.get("uscc"),
        firm_name=ret.get("firm_name"),
        city=ret.get("city"),
        status=ret["status"],
        file=file_path,
        sheet=ret.get("sheet") or "",
        row=ret.get("row"),
        district=ret.get("district"),
        **{k: "" if v is None else str(v) for k, v in contact.items()},
        errors=errors,
        warnings=sum(f["severity"] == WARNING for f in findings),
    )


@dataclass(frozen=True)
class FirmStanding:
    """One firm in one period: its state, its contact, and where its mail goes."""

    uscc: str
    firm_name: str
    city: str
    state: str  # accepted | rejected | missing
    in_roster: bool
    district: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    address: str | None = None  # a valid address: H10 of its return, else the roster's 联系邮箱
    written_address: str = ""  # what was written when it is no address, so staff can see why
    file: str | None = None  # the return that decides the state
    errors: tuple[Finding, ...] = ()  # rejected: the problems still to fix
    warnings: int = 0

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def _deciding(returns: list[PeriodReturn]) -> PeriodReturn:
    """The accepted return; else the rejected one (resolve leaves one per key that is not superseded)."""
    for status in (ACCEPTED, REJECTED):
        found = [r for r in returns if r.status == status]
        if found:
            return found[-1]
    return returns[-1]


def standings(roster: list[RosterFirm] | None, returns: Iterable[PeriodReturn]) -> tuple[list[FirmStanding], int]:
    """Every firm of the period: the roster's in its order, then those outside it in uscc order
    (without a roster, every firm that sent a return); and how many returns named no firm."""
    by_firm: dict[str, list[PeriodReturn]] = {}
    unidentified = 0
    for r in returns:
        if r.uscc:
            by_firm.setdefault(r.uscc, []).append(r)
        elif r.status != "superseded":
            unidentified += 1
    out = []
    listed = set()
    for firm in roster or ():
        listed.add(firm.uscc)
        got = by_firm.get(firm.uscc)
        out.append(_standing(firm, _deciding(got) if got else None))
    for uscc in sorted(set(by_firm) - listed):
        out.append(_standing(None, _deciding(by_firm[uscc])))
    return out, unidentified


def _standing(firm: RosterFirm | None, ret: PeriodReturn | None) -> FirmStanding:
    state = MISSING if ret is None else ACCEPTED if ret.status == ACCEPTED else REJECTED
    form_email = ret.contact_email if ret else ""
    roster_email = firm.contact_email if firm else ""
    address = firm_address(form_email, roster_email)
    return FirmStanding(
        uscc=firm.uscc if firm else ret.uscc,
        firm_name=(firm.firm_name if firm else "") or (ret.firm_name if ret else "") or "",
        city=firm.city if firm else (ret.city or ""),
        state=state,
        in_roster=firm is not None,
        district=(firm.district if firm else "") or (ret.district if ret else "") or "",
        contact_name=(ret.contact_name if ret else "") or (firm.contact_name if firm else ""),
        contact_phone=(ret.contact_phone if ret else "") or (firm.contact_phone if firm else ""),
        address=address,
        written_address="" if address else (form_email or roster_email),
        file=ret.file if ret else None,
        errors=ret.errors if ret and state == REJECTED else (),
        warnings=ret.warnings if ret else 0,
    )


@dataclass(frozen=True)
class CityProgress:
    city: str
    expected: int | None  # 应报: roster firms (None without a roster)
    accepted: int  # 已采用
    rejected: int  # 退回待修改
    missing: int | None  # 未报送 (None without a roster)
    outside: int = 0  # firms not in the roster that sent a return (counted in none of the above)

    @property
    def rate(self) -> float | None:
        """报送率 = 已采用 / 应报."""
        return None if self.expected is None else rate(self.accepted, self.expected)


@dataclass(frozen=True)
class Progress:
    period: Period
    has_roster: bool
    cities: tuple[CityProgress, ...]  # every configured city, then UNKNOWN_CITY when some firm has none
    total: CityProgress
    firms: tuple[FirmStanding, ...] = field(repr=False)
    unidentified: int = 0  # returns with no readable uscc (not in any figure)

    def firms_in(self, state: str) -> list[FirmStanding]:
        return [f for f in self.firms if f.state == state and (f.in_roster or not self.has_roster)]

    @property
    def outside_roster(self) -> list[FirmStanding]:
        return [f for f in self.firms if not f.in_roster] if self.has_roster else []


def build_progress(
    period: Period, cities: tuple[str, ...], roster: list[RosterFirm] | None, returns: Iterable[PeriodReturn]
) -> Progress:
    firms, unidentified = standings(roster, returns)
    has_roster = roster is not None
    known = set(cities)

    def city_of(f: FirmStanding) -> str:
        return f.city if f.city in known else UNKNOWN_CITY

    def figures(name: str, group: list[FirmStanding]) -> CityProgress:
        counted = [f for f in group if f.in_roster or not has_roster]
        n = {s: sum(f.state == s for f in counted) for s in STATE_LABELS}
        return CityProgress(
            city=name,
            expected=len(counted) if has_roster else None,
            accepted=n[ACCEPTED],
            rejected=n[REJECTED],
            missing=n[MISSING] if has_roster else None,
            outside=sum(not f.in_roster for f in group) if has_roster else 0,
        )

    by_city: dict[str, list[FirmStanding]] = {}
    for f in firms:
        by_city.setdefault(city_of(f), []).append(f)
    names = [*cities, *([UNKNOWN_CITY] if UNKNOWN_CITY in by_city else [])]
    rows = tuple(figures(c, by_city.get(c, [])) for c in names)
    firms_in_order = tuple(f for c in names for f in by_city.get(c, []))
    return Progress(period, has_roster, rows, figures(TOTAL, firms), firms_in_order, unidentified)


def progress_artifact_key(period: Period) -> str:
    """The Prefect artifact's key, `progress-2024h1`: Prefect takes lowercase letters, digits and dashes only."""
    return f"progress-{period.id.lower()}"


# the same figures for people -----------------------------------------------------------------

COLUMNS = ("地市", "应报", "已采用", "退回待修改", "未报送", "报送率", "名录外")


def figures_row(c: CityProgress, has_roster: bool) -> list[object]:
    if has_roster:
        return [c.city, c.expected, c.accepted, c.rejected, c.missing, c.rate, c.outside]
    return [c.city, None, c.accepted, c.rejected, None, None, None]


def progress_records(progress: Progress) -> list[dict]:
    """One dict a city and the total, for a Prefect table artifact: rates as text (85.0%), unknowns as —."""
    out = []
    for c in (*progress.cities, progress.total):
        values = figures_row(c, progress.has_roster)
        values[5] = pct(values[5]) if progress.has_roster else "—"
        out.append({k: "—" if v is None else v for k, v in zip(COLUMNS, values, strict=True)})
    return out


def headline(progress: Progress) -> str:
    t = progress.total
    if progress.has_roster:
        text = (
            f"{progress.period.label}：应报{t.expected}家，已采用{t.accepted}家，退回待修改{t.rejected}家，"
            f"未报送{t.missing}家，报送率{pct(t.rate)}"
        )
        if t.outside:
            text += f"；名录外报送{t.outside}家"
    else:
        text = (
            f"{progress.period.label}：已采用{t.accepted}家，退回待修改{t.rejected}家（未配置律所名录，无法统计未报送）"
        )
    if progress.unidentified:
        text += f"；另有{progress.unidentified}份报表未能识别律所（统一社会信用代码缺失）"
    return text + "。"


def progress_markdown(progress: Progress, as_of: str) -> str:
    """The artifact's text: the headline, then the table by city."""
    records = progress_records(progress)
    lines = [f"**{headline(progress)}**", "", f"统计时间：{as_of}", ""]
    lines.append("| " + " | ".join(COLUMNS) + " |")
    lines.append("|" + "---|" * len(COLUMNS))
    lines += ["| " + " | ".join(str(r[k]) for k in COLUMNS) + " |" for r in records]
    return "\n".join(lines) + "\n"


def progress_table(progress: Progress) -> Group:
    """What `python -m flows status` prints (with rich's Console): the headline, then the table by city."""
    # rich only here: every intake imports this module, and rich costs ≈0.1 s of a typed command
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{progress.period.label}报送进度", title_justify="left")
    for i, name in enumerate(COLUMNS):
        table.add_column(name, justify="left" if i == 0 else "right", no_wrap=True)
    records = progress_records(progress)
    for i, r in enumerate(records[:-1]):
        table.add_row(*(str(r[k]) for k in COLUMNS), end_section=i == len(records) - 2)
    table.add_row(*(str(records[-1][k]) for k in COLUMNS), style="bold")
    return Group(Text(headline(progress)), table)
