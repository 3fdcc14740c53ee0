"""The schedule, the served deployments, and one serve per store."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flows.setup import load_setup
from rtr.config import ConfigError
from rtr.form.periods import Period
from rtr.schedule import next_report_runs
from tests import reliability

ROOT = Path(__file__).resolve().parents[2]


def test_next_runs_are_10_january_and_10_july_0900_shanghai_with_their_periods():
    cfg = load_setup(ROOT / "config.toml").config.schedule
    runs = next_report_runs(cfg.report_cron, cfg.timezone, datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
    assert [(when.isoformat(), period) for when, period in runs] == [
        ("2027-01-10T09:00:00+08:00", Period(2026, 2)),
        ("2027-07-10T09:00:00+08:00", Period(2027, 1)),
    ]
    # 01:30 UTC on 10 July is 09:30 in Shanghai: that day's run has passed
    later = next_report_runs(cfg.report_cron, cfg.timezone, datetime(2027, 7, 10, 1, 30, tzinfo=UTC), 1)
    assert later[0][0].isoformat() == "2028-01-10T09:00:00+08:00" and later[0][1] == Period(2027, 2)


def test_deployments_carry_the_configured_schedules():
    from flows.serve import build_deployments

    setup = load_setup(ROOT / "config.toml")
    scan, report, remind = build_deployments(setup, ROOT / "config.toml")
    assert (scan.name, report.name, remind.name) == ("inbox-scan", "semiannual-report", "daily-reminders")
    assert scan.schedules[0].schedule.interval == timedelta(minutes=1)
    assert remind.schedules[0].schedule.cron == "0 9 * * *" and remind.schedules[0].schedule.timezone == "Asia/Shanghai"
    assert report.schedules[0].schedule.cron == "0 9 10 1,7 *"
    assert report.schedules[0].schedule.timezone == "Asia/Shanghai"
    assert scan.concurrency_limit == 1
    assert scan.parameters == report.parameters == {"config_path": str((ROOT / "config.toml").resolve())}


def test_prefect_yaml_deploys_what_serve_serves():
    """The workers' deployments (prefect.yaml) run the same flows on the same schedules as `serve`
    builds from config.toml: the YAML cannot read config.toml, so a change to one must reach both."""
    import importlib

    import yaml
    from prefect import Flow

    from flows.serve import build_deployments

    setup = load_setup(ROOT / "config.toml")
    served = {d.name: d for d in build_deployments(setup, ROOT / "config.toml")}
    declared = {
        d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    }
    assert declared.keys() == served.keys()
    for name, d in declared.items():
        module, _, attr = d["entrypoint"].partition(":")
        entry = getattr(importlib.import_module(module.removesuffix(".py").replace("/", ".")), attr)
        assert isinstance(entry, Flow), name
        schedule = served[name].schedules[0].schedule
        (wanted,) = d["schedules"]
        if "interval" in wanted:
            assert timedelta(seconds=wanted["interval"]) == schedule.interval, name
        else:
            assert wanted["cron"] == schedule.cron, name
        assert wanted["timezone"] == schedule.timezone, name
        assert d["concurrency_limit"] == served[name].concurrency_limit, name
        assert set(d["parameters"]) == set(served[name].parameters) <= set(entry.parameters.properties), name


def test_a_second_serve_on_the_same_store_refuses(tmp_path):
    from dataclasses import replace

    from flows.serve import serve_lock

    base = load_setup(ROOT / "config.toml")
    setup = replace(base, config=replace(base.config, store_url=f"sqlite:///{tmp_path / 'r.sqlite'}"))
    with serve_lock(setup):
        with pytest.raises(ConfigError, match="另一个 serve"), serve_lock(setup):
            pass
        config = tmp_path / "config.toml"
        config.write_text(f'[paths]\nstore = "{tmp_path / "r.sqlite"}"\n', encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "flows", "serve", "--config", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ | {"PREFECT_API_URL": "http://127.0.0.1:9/api"},  # refused before it is ever asked
        )
        assert result.returncode == 2 and "另一个 serve" in result.stderr and "Traceback" not in result.stderr
        reliability.record(
            "Concurrency",
            "a second `serve` on the same store",
            1,
            f"refused, exit 2: {result.stderr.strip().splitlines()[-1].split('（')[0]}",
            "the first keeps its lock",
        )
    with serve_lock(setup):  # released: it can be taken again
        pass
