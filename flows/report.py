"""Report: intake, then aggregate one period and write summary.json, 汇总表.xlsx, receipts and documents."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flows.files import write_atomic
from flows.intake import IntakeResult, run_intake, write_receipt
from flows.settings import Setup
from rtr.metrics import aggregate, changes
from rtr.periods import Period
from rtr.roster import RosterFirm
from rtr.store import Store
from rtr.summary import build_summary, submission_record
from rtr.summary_workbook import build_summary_workbook


@dataclass
class ReportResult:
    period: Period
    folder: Path
    intake: IntakeResult
    summary: dict
    documents: list[Path] = field(default_factory=list)


def run_report(setup: Setup, period: Period, *, inbox: Path, out_dir: Path, store: Store, roster: list[RosterFirm] | None,
               today: date, documents=None) -> ReportResult:
    cfg = setup.config
    intake = run_intake(setup, inbox=inbox, store=store, receipts_dir=cfg.receipts, archive_dir=cfg.archive,
                        roster=roster, today=today)
    folder = out_dir / period.id
    with store.transaction() as conn:
        values = store.accepted_of_period(conn, period.id)
        history = {p: store.accepted_of_period(conn, p.id) for p in (period.previous(), period.year_before())}
        submissions = [submission_record(r, path, fs) for r, path, fs in store.period_returns(conn, period.id)]
        unassigned = [submission_record(r, path, fs) for r, path, fs in store.period_returns(conn, None)]
        unreadable = store.unreadable_files(conn)
        file_ids = store.file_ids_of_period(conn, period.id)
    small = cfg.small_medium_max_lawyers
    province, by_city = aggregate(values, cfg.cities, small, roster)
    compared = {}
    for key, other in (("hoh", period.previous()), ("yoy", period.year_before())):
        before = history[other]
        compared[key] = changes(province, aggregate(before, cfg.cities, small, None)[0], other.id) if before else None
    summary = build_summary(period.id, province, by_city, compared["hoh"], compared["yoy"], submissions, unreadable,
                            unassigned, datetime.now(UTC).isoformat(timespec="seconds"))
    write_atomic(folder / "summary.json", json.dumps(summary, ensure_ascii=False, indent=2).encode("utf-8"))
    title = f"{period.label}{cfg.province}律师行业党建工作情况汇总表"
    workbook = build_summary_workbook(summary, cfg.cities, values, setup.schema, title)
    write_atomic(folder / "汇总表.xlsx", workbook)
    for file_id in file_ids:
        write_receipt(setup, store, file_id, folder / "回执")
    result = ReportResult(period, folder, intake, summary, [folder / "summary.json", folder / "汇总表.xlsx"])
    if documents is not None:
        result.documents += documents(setup, period, summary, values, history, folder)
    return result

