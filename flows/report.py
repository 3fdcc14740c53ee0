"""A period's outputs: aggregate the stored returns and write summary.json, 汇总表.xlsx, receipts and documents."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from flows.files import flush_to_disk, sweep_stale_temps, write_atomic
from flows.receipts import copy_receipts
from flows.setup import Setup
from rtr.form.periods import Period, parse_period
from rtr.reporting.metrics import aggregate, changes, frame, like_for_like, place
from rtr.reporting.summary import build_summary, submission_record
from rtr.store import Store, ledger, returns
from rtr.workbooks.summary_workbook import build_summary_workbook


@dataclass
class PeriodData:
    """What the documents draw from: this period's accepted returns and the aggregates of every stored half-year up to it."""

    period: Period
    values: list[dict]
    aggregates: dict[str, tuple[dict, dict[str, dict]]]  # period id → (province, by city)
    by_period: dict[str, list[dict]] = field(default_factory=dict)  # period id → accepted values (like for like)
    small_medium_max: int = 50
    own_org_min_full_members: int = 3
    _frames: dict = field(default_factory=dict, repr=False)

    def frame(self, pid: str):
        if pid not in self._frames:
            self._frames[pid] = frame(self.by_period[pid])
        return self._frames[pid]

    def changes_for(self, city: str | None) -> dict:
        def metrics(pid: str) -> dict | None:
            if pid not in self.aggregates:
                return None
            province, by_city = self.aggregates[pid]
            return province if city is None else by_city.get(city)

        this = metrics(self.period.id)
        out = {}
        for kind, other in (("hoh", self.period.previous()), ("yoy", self.period.year_before())):
            that = metrics(other.id)
            if that is not None and not that["firms"]:
                that = None  # nothing accepted there (a city that sent nothing): nothing to compare with
            like = None
            if that is not None and other.id in self.by_period and self.period.id in self.by_period:
                args = (self.small_medium_max, self.own_org_min_full_members, city)
                like = like_for_like(self.frame(self.period.id), self.frame(other.id), *args)
            out[kind] = changes(this, that, other.id, like) if that is not None else None
        return out


def write_outputs(
    setup: Setup,
    period: Period,
    *,
    store: Store,
    documents=None,
    timings: dict[str, float] | None = None,
    announce: Callable[[str], None] | None = None,
) -> tuple[Path, dict, list[Path]]:
    """Aggregates the stored returns of `period` and writes every output; returns (folder, summary, paths).
    `timings`, when given, receives the seconds each step took (for the benchmark); `announce` is told
    each step as it starts (the run log)."""
    cfg, roster = setup.config, setup.roster
    folder = cfg.outputs / period.id
    sweep_stale_temps(folder)  # what a killed run left half-written
    step = _Steps(timings, announce)
    step("read store")
    with store.transaction() as conn:
        stored = [p for p in returns.periods_with_accepted(conn) if (q := parse_period(p)) is not None and q <= period]
        by_period = {p: returns.accepted_of_period(conn, p) for p in {*stored, period.id}}
        submissions = place(
            [submission_record(r, path, fs) for r, path, fs in returns.period_returns(conn, period.id, values=False)],
            cfg.cities,
            roster,
        )
        unassigned = [
            submission_record(r, path, fs) for r, path, fs in returns.period_returns(conn, None, values=False)
        ]
        unreadable = ledger.unreadable_files(conn)
        file_ids = returns.file_ids_of_period(conn, period.id)
    step("aggregate")
    small, least = cfg.small_medium_max_lawyers, cfg.thresholds.own_org_min_full_members
    aggregates = {  # the roster and what was received speak for this period only
        p: aggregate(v, cfg.cities, small, roster, least, submissions)
        if p == period.id
        else aggregate(v, cfg.cities, small, None, least)
        for p, v in by_period.items()
    }
    data = PeriodData(period, by_period[period.id], aggregates, by_period, small, least)
    province, by_city = aggregates[period.id]
    compared = data.changes_for(None)
    summary = build_summary(
        period.id,
        province,
        by_city,
        compared["hoh"],
        compared["yoy"],
        submissions,
        unreadable,
        unassigned,
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    step("summary.json")
    write_atomic(folder / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"))
    step("汇总表.xlsx")
    title = f"{period.label}{cfg.province}律师行业党建工作情况汇总表"
    write_atomic(
        folder / "汇总表.xlsx", build_summary_workbook(summary, cfg.cities, data.values, setup.schema, title, least)
    )
    step("receipts")
    copy_receipts(setup, store, file_ids, cfg.receipts, folder / "回执")
    flush_to_disk()
    written = [folder / "summary.json", folder / "汇总表.xlsx"]
    if documents is not None:
        step("documents")
        written = documents(setup, data, summary, folder) + written
    step(None)
    return folder, summary, written


STEP_LABELS = {
    "read store": "读取数据库",
    "aggregate": "汇总指标",
    "summary.json": "写入 summary.json",
    "汇总表.xlsx": "写入汇总表.xlsx",
    "receipts": "复制回执",
    "documents": "写入 Word 报告",
}


class _Steps:
    """Announces each step as it starts and records how long each took, when asked to."""

    def __init__(self, timings: dict[str, float] | None, announce: Callable[[str], None] | None) -> None:
        self.timings, self.announce = timings, announce
        self.current: str | None = None
        self.last = time.perf_counter()

    def __call__(self, name: str | None) -> None:
        """Ends the current step and starts `name` (None: the last step is done)."""
        now = time.perf_counter()
        if self.current is not None and self.timings is not None:
            self.timings[self.current] = now - self.last
        self.current, self.last = name, now
        if self.announce is not None:
            self.announce(f"报告步骤：{STEP_LABELS[name]}" if name else "报告步骤：完成")
