"""summary.json, as docs/interface.md lays it out. Pure: store rows in, a JSON-ready dict out."""

from __future__ import annotations


def submission_record(ret: dict, file_path: str, findings: list[dict]) -> dict:
    return {
        "file": file_path,
        "sheet": ret["sheet"],
        "row": ret["row"],
        "uscc": ret["uscc"],
        "firm_name": ret["firm_name"],
        "city": ret["city"],
        "status": ret["status"],
        "findings": [{k: f[k] for k in ("rule", "severity", "field", "cell", "value", "message")} for f in findings],
    }


def build_summary(
    period: str,
    province: dict,
    by_city: dict[str, dict],
    hoh: dict | None,
    yoy: dict | None,
    submissions: list[dict],
    unreadable: list[dict],
    unassigned: list[dict],
    generated_at: str,
) -> dict:
    metrics = {k: v for k, v in province.items() if k != "missing"}
    return {
        "period": period,
        "generated_at": generated_at,
        "metrics": metrics,
        "by_city": {city: {k: v for k, v in m.items() if k != "missing"} for city, m in by_city.items()},
        "changes": {"hoh": hoh, "yoy": yoy},
        "submissions": submissions,
        "unreadable": unreadable,
        "unassigned": unassigned,
        "missing": province["missing"] if province.get("expected_firms") is not None else None,
    }
