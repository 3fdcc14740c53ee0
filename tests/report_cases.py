"""The two cases the reports are read against (issue 19), built into an inbox and run through the real path.

- `office_case`: 45 firms, messy (returns sent back among them), a roster with firms that never
  reported, and two earlier half-years of the same firms (so changes are like for like).
- `province_case`: 2,000 firms, messy, with two earlier half-years drawn afresh (other firms).

    .venv/bin/python -m tests.report_cases OUT   # writes both cases' outputs under OUT, to look at
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from flows.setup import Setup, load_setup
from rtr.form.periods import Period
from rtr.form.schema import FormSchema
from rtr.reading.roster import RosterFirm
from rtr.workbooks.formfill import form_filler
from sample.synthetic import make_sample, make_uscc
from tests.helpers import in_folder, run_report

ROOT = Path(__file__).resolve().parents[1]
NOW = Period(2024, 1)
EARLIER = (Period(2023, 2), Period(2023, 1))


OFFICE_CITIES = ("广州市", "深圳市", "佛山市", "珠海市", "韶关市")


def case_setup(tmp: Path, cities: tuple[str, ...] | None = None, **report) -> Setup:
    """The shipped config.toml with this case's folders (and cities), a fixed report date and an
    office contact."""
    base = load_setup(ROOT / "config.toml")
    cfg = base.config
    settings = {"date": date(2024, 7, 20), "office_contact": "省律师行业党委办公室 张敏 020-83838383"} | report
    cfg = replace(cfg, cities=cities or cfg.cities, settle_seconds=0, report=cfg.report.model_copy(update=settings))
    return in_folder(replace(base, config=cfg), tmp, today=date(2024, 7, 20))


def _drop(inbox: Path, rel: str, data: bytes) -> None:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def earlier_values(v: dict, period: Period, rng: random.Random) -> dict:
    """The same firm half a year (or a year) before: a little smaller, still a consistent return."""
    p = dict(v)
    p["period"] = period.label
    p["filled_date"] = period.end + timedelta(days=rng.randint(1, 10))
    lawyers = max(1, int(v["lawyers"]) - rng.randint(0, max(1, int(v["lawyers"]) // 8)))
    members = max(0, min(lawyers, int(v["members"]) - rng.randint(0, 2)))
    full = min(int(v["full_members"]), members)
    p.update(lawyers=lawyers, members=members, full_members=full, probationary=members - full)
    p["partners"] = min(int(v["partners"]), lawyers)
    p["member_partners"] = min(int(v["member_partners"]), p["partners"], members)
    p["members_elsewhere"] = min(int(v["members_elsewhere"]), members)
    p["new_members"] = min(int(v["new_members"]), members - full)
    org = v["org_type"]
    if org in ("单独党支部", "党总支", "党委") and full < 3:
        org = "联合党支部" if members else "未建立"
    if org != "未建立" and members == 0:
        org = "未建立"
    p["org_type"] = org
    p["joint_branch"] = v.get("joint_branch") or (f"{v['city']}律师行业第1联合党支部" if org == "联合党支部" else None)
    if org != "联合党支部":
        p["joint_branch"] = None
    if org == "未建立":
        p.update(secretary_is_director=False, secretary_in_management=False, instructor=True)
    if org in ("单独党支部", "党总支", "党委"):
        p.update(member_meetings=max(2, int(v["member_meetings"])), party_lectures=max(2, int(v["party_lectures"])))
        p["theme_days"] = max(6, int(v["theme_days"]))
    if p["secretary_is_director"] and not p["director_is_member"]:
        p["secretary_is_director"] = False
    for key in ("legal_aid", "pro_bono", "consultations", "cases", "petitions", "lectures"):
        p[key] = max(0, round(int(v[key]) * rng.uniform(0.8, 1.1)))
    p["legal_aid_by_members"] = min(int(v["legal_aid_by_members"]), p["legal_aid"])
    p["complaints"] = rng.choices((0, 1, 2), (80, 15, 5))[0]
    p["revenue"] = round(float(v["revenue"]) * rng.uniform(0.85, 1.0), 2)
    return p


def office_case(schema: FormSchema, cities: tuple[str, ...], inbox: Path) -> list[RosterFirm]:
    """45 firms in a few cities, messy; the same firms in the two half-years before; a roster with
    six firms that sent nothing. Returns the roster."""
    few = OFFICE_CITIES
    sample = make_sample(schema, few, NOW, 45, seed=271, messy=True)  # 韶关市: one return, sent back (E13)
    for f in sample.files:
        _drop(inbox, f"{NOW.id}/{f.path}", f.data)
    rng = random.Random(19)
    filler = form_filler(schema, cities)
    clean = [f for f in sample.firms if f.breaks in (None, "S01") and f.values.get("uscc")]
    seen = set()
    for firm in clean:
        if firm.values["uscc"] in seen:
            continue
        seen.add(firm.values["uscc"])
        for period in EARLIER:
            v = earlier_values(firm.values, period, rng)
            _drop(inbox, f"{period.id}/{v['city']}/{v['firm_name']}.xlsx", filler.fill(v, {}))
    roster = []
    for firm in sample.firms:
        v = firm.values
        if isinstance(v.get("uscc"), str) and len(str(v["uscc"])) == 18 and v.get("city") in few and v.get("firm_name"):
            roster.append(RosterFirm(str(v["uscc"]), str(v["firm_name"]), str(v["city"]), str(v.get("district") or "")))
    for i, city in enumerate(("广州市", "深圳市", "珠海市", "珠海市", "韶关市", "佛山市")):
        roster.append(RosterFirm(make_uscc(rng), f"{city.removesuffix('市')}未报{i}律师事务所", city))
    unique = {}
    for f in roster:
        unique.setdefault(f.uscc, f)
    return list(unique.values())


def province_case(schema: FormSchema, cities: tuple[str, ...], inbox: Path, n: int = 2000) -> None:
    for period, messy in ((NOW, True), (EARLIER[0], False), (EARLIER[1], False)):
        for f in make_sample(schema, cities, period, n if messy else n - 60, seed=9, messy=messy).files:
            _drop(inbox, f"{period.id}/{f.path}", f.data)


def run_case(setup: Setup, tmp: Path, roster: list[RosterFirm] | None, documents=True):
    return run_report(replace(setup, roster=roster), NOW, documents=documents)


if __name__ == "__main__":
    out = Path(sys.argv[1])
    which = sys.argv[2:] or ["office", "province"]
    from rtr.form.schema import default_schema

    schema = default_schema()
    for name in which:
        tmp = out / name
        setup = case_setup(tmp, OFFICE_CITIES if name == "office" else None)
        roster = None
        if name == "office":
            roster = office_case(schema, setup.config.cities, tmp / "inbox")
        elif not (tmp / "inbox").exists():  # a second run reports again from the store
            province_case(schema, setup.config.cities, tmp / "inbox")
        result = run_case(setup, tmp, roster)
        print(name, result.folder, result.summary["metrics"]["firms"])
