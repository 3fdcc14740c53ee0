"""Renders the Word reports from the templates in templates/ (docxtpl, autoescape always on)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from flows.files import write_atomic
from flows.report import PeriodData
from flows.setup import Setup
from rtr.config import ConfigError
from rtr.form.periods import parse_period
from rtr.reporting.charts import coverage_by_area, trend
from rtr.reporting.metrics import UNKNOWN_CITY, compute, frame
from rtr.reporting.report_context import Issue, build_context, build_notice_context, report_path

TREND_RATES = {
    "own_org_rate": "单独组建率",
    "org_coverage_rate": "党的组织覆盖率",
    "work_coverage_rate": "党的工作覆盖率",
    "charter_rate": "党建入章程比例",
}


def chart_font() -> Path:
    """The CJK font that comes with the install (Noto Sans SC), so charts never show boxes."""
    return Path(str(resources.files("pylopdf_fonts_zh_cn").joinpath("NotoSansSC-Regular.otf")))


REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def template_path(setup: Setup, key: str, default: str) -> Path:
    """The template named in config.toml [templates], else the one shipped in templates/."""
    path = setup.config.templates.get(key) or REPO_TEMPLATES / default
    if not path.is_file():
        raise ConfigError(f"找不到报告模板 {path}：请检查 config.toml [templates] {key}")
    return path


CHARTS = ("chart_coverage", "chart_trend")


def render(template: Path, context: dict, images: dict[str, bytes | None]) -> bytes:
    """A chart that is None is not drawn: the template leaves out its picture and caption."""
    doc = DocxTemplate(str(template))
    full = dict(context) | dict.fromkeys(CHARTS)
    for name, png in images.items():
        full[name] = InlineImage(doc, io.BytesIO(png), width=Mm(140)) if png else None
    doc.render(full, autoescape=True)
    # the file's properties (Word's 信息 pane): the document's own, not python-docx's of 2013; dated
    # on its 成文日期 so that a re-run writes the same document
    props = doc.docx.core_properties
    props.title, props.author, props.last_modified_by = context.get("title", ""), context.get("issuer", ""), ""
    props.comments = props.subject = props.keywords = ""
    if "day" in context:
        props.created = props.modified = datetime.combine(date.fromisoformat(context["day"]), time())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _trend_chart(data: PeriodData, city: str | None, font: Path) -> bytes | None:
    periods = sorted(data.aggregates, key=lambda p: parse_period(p))
    labels = [parse_period(p).label for p in periods]
    pick = (lambda p: data.aggregates[p][0]) if city is None else (lambda p: data.aggregates[p][1][city])
    series = {label: [pick(p)[key] for p in periods] for key, label in TREND_RATES.items()}
    return trend(labels, series, font)


@dataclass(frozen=True)
class DocumentJob:
    template: Path
    context: dict
    images: dict[str, bytes | None]
    target: Path


def report_day(setup: Setup) -> date:
    """成文日期: `[report] date`, else the day the report is made where the office is."""
    cfg = setup.config
    return cfg.report.date or datetime.now(ZoneInfo(cfg.schedule.timezone)).date()


def plan_documents(setup: Setup, data: PeriodData, summary: dict, folder: Path) -> list[DocumentJob]:
    """The provincial report and, for every configured city, its report, or the one-page notice
    when the city has no accepted return (`[report] empty_city = "skip"`: nothing)."""
    cfg = setup.config
    font = chart_font()
    units = {f.key: f.unit for f in setup.schema.fields}
    small, least = cfg.small_medium_max_lawyers, cfg.thresholds.own_org_min_full_members
    issue = Issue(cfg.issuer, report_day(setup), cfg.report.office_contact)
    province, by_city = data.aggregates[data.period.id]
    common = {
        "province": cfg.province,
        "period": data.period,
        "units": units,
        "issue": issue,
        "own_org_min_full_members": least,
        "small_medium_max": small,
        "cities": cfg.cities,
    }

    def charts(names: list[str], metrics: list[dict], overall: dict, name: str, city: str | None) -> dict:
        rates = [m["org_coverage_rate"] if m["firms"] else None for m in metrics]
        return {
            "chart_coverage": coverage_by_area(names, rates, overall["org_coverage_rate"], name, font),
            "chart_trend": _trend_chart(data, city, font),
        }

    rows = [(city, by_city[city]) for city in cfg.cities]
    images = charts(list(cfg.cities), [m for _, m in rows], province, "全省", None)
    if UNKNOWN_CITY in by_city:  # returns sent back with no city: the table's rows add up to 合计
        rows.append((UNKNOWN_CITY, by_city[UNKNOWN_CITY]))
    context = build_context(
        scope="全省",
        metrics=province,
        changes=data.changes_for(None),
        submissions=summary["submissions"],
        firms=data.values,
        rows=rows,
        missing=summary["missing"],
        charts=tuple(k for k, v in images.items() if v),
        **common,
    )
    jobs = [
        DocumentJob(
            template_path(setup, "province_report", "province_report.docx"),
            context,
            images,
            folder / report_path(data.period, "全省"),
        )
    ]
    city_template = template_path(setup, "city_report", "city_report.docx")
    for city in cfg.cities:
        target = folder / report_path(data.period, city)
        submissions = [s for s in summary["submissions"] if s["city"] == city]
        if not by_city[city]["firms"]:
            if cfg.report.empty_city == "skip":
                continue
            missing = None if summary["missing"] is None else [f for f in summary["missing"] if f["city"] == city]
            notice = build_notice_context(
                scope=city,
                period=data.period,
                metrics=by_city[city],
                submissions=submissions,
                issue=issue,
                missing=missing,
                own_org_min_full_members=least,
            )
            jobs.append(DocumentJob(template_path(setup, "city_notice", "city_notice.docx"), notice, {}, target))
            continue
        firms = [f for f in data.values if f.get("city") == city]
        districts = sorted({str(f.get("district")) for f in firms if f.get("district")})
        rows = [(d, compute(frame([f for f in firms if f.get("district") == d]), small, least)) for d in districts]
        missing = None if summary["missing"] is None else [f for f in summary["missing"] if f["city"] == city]
        images = charts([d for d, _ in rows], [m for _, m in rows], by_city[city], city, city)
        context = build_context(
            scope=city,
            metrics=by_city[city],
            changes=data.changes_for(city),
            submissions=submissions,
            firms=firms,
            rows=rows,
            missing=missing,
            charts=tuple(k for k, v in images.items() if v),
            **common,
        )
        jobs.append(DocumentJob(city_template, context, images, target))
    return jobs


def write_documents(jobs: list[DocumentJob]) -> list[Path]:
    for job in jobs:
        write_atomic(job.target, render(job.template, job.context, job.images))
    return [job.target for job in jobs]


def render_documents(setup: Setup, data: PeriodData, summary: dict, folder: Path) -> list[Path]:
    return write_documents(plan_documents(setup, data, summary, folder))
