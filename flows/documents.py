"""Renders the Word reports from the templates in templates/ (docxtpl, autoescape always on)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from flows.files import write_atomic
from flows.report import PeriodData
from flows.setup import Setup
from rtr.config import ConfigError
from rtr.form.periods import parse_period
from rtr.reporting.charts import coverage_by_area, trend
from rtr.reporting.metrics import compute, frame
from rtr.reporting.report_context import build_context, report_path

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


def render(template: Path, context: dict, images: dict[str, bytes]) -> bytes:
    doc = DocxTemplate(str(template))
    full = dict(context)
    for name, png in images.items():
        full[name] = InlineImage(doc, io.BytesIO(png), width=Mm(150))
    doc.render(full, autoescape=True)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _trend_chart(data: PeriodData, city: str | None, font: Path) -> bytes:
    periods = sorted(data.aggregates, key=lambda p: parse_period(p))
    labels = [parse_period(p).label for p in periods]
    pick = (lambda p: data.aggregates[p][0]) if city is None else (lambda p: data.aggregates[p][1][city])
    series = {label: [pick(p)[key] for p in periods] for key, label in TREND_RATES.items()}
    return trend(labels, series, f"{city or '全省'}主要指标变化趋势", font)


@dataclass(frozen=True)
class DocumentJob:
    template: Path
    context: dict
    images: dict[str, bytes]
    target: Path


def plan_documents(setup: Setup, data: PeriodData, summary: dict, folder: Path) -> list[DocumentJob]:
    """The provincial report and one report per configured city: template, context, charts, target."""
    cfg = setup.config
    font = chart_font()
    units = {f.key: f.unit for f in setup.schema.fields}
    small = cfg.small_medium_max_lawyers
    province, by_city = data.aggregates[data.period.id]

    def coverage(names: list[str], metrics: list[dict], title: str) -> bytes:
        series = {
            "党的组织覆盖率": [m["org_coverage_rate"] for m in metrics],
            "党的工作覆盖率": [m["work_coverage_rate"] for m in metrics],
        }
        return coverage_by_area(names, series, title, font)

    rows = [(city, by_city[city]) for city in cfg.cities]
    context = build_context(
        province=cfg.province,
        scope="全省",
        period=data.period,
        metrics=province,
        changes=data.changes_for(None),
        submissions=summary["submissions"],
        firms=data.values,
        rows=rows,
        missing=summary["missing"],
        units=units,
    )
    images = {
        "chart_coverage": coverage(list(cfg.cities), [m for _, m in rows], "各地市党的组织覆盖率和工作覆盖率"),
        "chart_trend": _trend_chart(data, None, font),
    }
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
        firms = [f for f in data.values if f.get("city") == city]
        districts = sorted({str(f.get("district")) for f in firms if f.get("district")})
        rows = [(d, compute(frame([f for f in firms if f.get("district") == d]), small)) for d in districts]
        missing = None if summary["missing"] is None else [f for f in summary["missing"] if f["city"] == city]
        context = build_context(
            province=cfg.province,
            scope=city,
            period=data.period,
            metrics=by_city[city],
            changes=data.changes_for(city),
            submissions=[s for s in summary["submissions"] if s["city"] == city],
            firms=firms,
            rows=rows,
            missing=missing,
            units=units,
        )
        names, metrics = ([d for d, _ in rows], [m for _, m in rows]) if rows else ([city], [by_city[city]])
        images = {
            "chart_coverage": coverage(names, metrics, f"{city}党的组织覆盖率和工作覆盖率"),
            "chart_trend": _trend_chart(data, city, font),
        }
        jobs.append(DocumentJob(city_template, context, images, folder / report_path(data.period, city)))
    return jobs


def write_documents(jobs: list[DocumentJob]) -> list[Path]:
    for job in jobs:
        write_atomic(job.target, render(job.template, job.context, job.images))
    return [job.target for job in jobs]


def render_documents(setup: Setup, data: PeriodData, summary: dict, folder: Path) -> list[Path]:
    return write_documents(plan_documents(setup, data, summary, folder))
