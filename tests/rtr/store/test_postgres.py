"""The store on a real PostgreSQL server, started by these tests (Debian's `postgresql` package).

Skipped when no server can be started, unless RTR_REQUIRE_POSTGRES=1 (CI sets it): then that is a failure.
"""

from __future__ import annotations

import glob
import json
import multiprocessing
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from flows.setup import load_setup
from rtr.config import GUANGDONG, sqlite_url
from rtr.form.periods import Period
from rtr.store import Store
from rtr.store.tables import files, findings, returns
from sample.synthetic import make_sample
from tests.helpers import drop, in_folder, run_intake, run_report

ROOT = Path(__file__).resolve().parents[3]


def _unavailable(why: str):
    if os.environ.get("RTR_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here but {why}")
    pytest.skip(f"no PostgreSQL server: {why}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway cluster on 127.0.0.1, trust authentication, owned by the `postgres` user when run as root."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not bins:
        _unavailable("initdb not found (apt-get install postgresql)")
    bindir = Path(bins[0]).parent
    # not under pytest's tmp folder: that is private to root, and the server runs as `postgres`
    data = Path(tempfile.mkdtemp(prefix="rtr-pg-"))
    demote = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no `postgres` user")
        shutil.chown(data, user.pw_uid, user.pw_gid)

        def demote():
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    port = _free_port()
    log = data / "server.log"
    run = dict(preexec_fn=demote, capture_output=True, text=True, timeout=120)
    init = subprocess.run(
        [bindir / "initdb", "-D", data / "db", "-A", "trust", "-U", "rtr", "-E", "UTF8", "--locale", "C"], **run
    )
    if init.returncode:
        _unavailable(f"initdb failed: {init.stderr[-500:]}")
    start = subprocess.run(
        [
            bindir / "pg_ctl",
            "-D",
            data / "db",
            "-l",
            log,
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        **run,
    )
    if start.returncode:
        _unavailable(f"pg_ctl start failed: {start.stderr[-500:]} {log.read_text()[-500:] if log.exists() else ''}")
    try:
        yield f"postgresql+psycopg://rtr@127.0.0.1:{port}"
    finally:
        subprocess.run([bindir / "pg_ctl", "-D", data / "db", "-m", "fast", "stop"], **run)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh database for each test."""
    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_server.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{pg_server}/{name}"


@pytest.fixture
def setup():
    s = load_setup(ROOT / "config.toml")
    return replace(s, config=replace(s.config, settle_seconds=0))


def _contents(url: str) -> dict:
    store = Store(url)
    with store.engine.connect() as conn:
        out = {
            "files": sorted(
                conn.execute(files.select().with_only_columns(files.c.path, files.c.outcome, files.c.sha256)).all()
            ),
            "returns": sorted(
                conn.execute(
                    returns.select().with_only_columns(
                        returns.c.path,
                        returns.c.sheet,
                        returns.c.uscc,
                        returns.c.period,
                        returns.c.status,
                        returns.c.values_json,
                    )
                ).all()
            ),
            "findings": sorted(
                conn.execute(
                    findings.select().with_only_columns(findings.c.rule, findings.c.cell, findings.c.message)
                ).all()
            ),
        }
    store.close()
    return out


def _report(setup, url: str, tmp: Path, inbox: Path) -> dict:
    trial = in_folder(setup, tmp)
    trial = replace(trial, config=replace(trial.config, inbox=inbox, store_url=url))
    result = run_report(trial, Period(2024, 1))
    summary = dict(result.summary)
    summary.pop("generated_at")
    return summary


def test_report_on_postgres_equals_report_on_sqlite(setup, pg_url, tmp_path, schema):
    sample = make_sample(schema, GUANGDONG, Period(2024, 1), 80, seed=31, messy=True)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    on_pg = _report(setup, pg_url, tmp_path / "pg", tmp_path / "inbox")
    on_sqlite = _report(setup, sqlite_url(tmp_path / "s.sqlite"), tmp_path / "lite", tmp_path / "inbox")
    assert json.dumps(on_pg, sort_keys=True, ensure_ascii=False) == json.dumps(
        on_sqlite, sort_keys=True, ensure_ascii=False
    )
    assert _contents(pg_url) == _contents(sqlite_url(tmp_path / "s.sqlite"))
    assert on_pg["metrics"]["firms"] > 40
    # a second run changes nothing
    assert _report(setup, pg_url, tmp_path / "pg", tmp_path / "inbox") == on_pg


def _intake_process(url: str, inbox: str, tmp: str, barrier) -> None:
    s = load_setup(ROOT / "config.toml")
    setup = in_folder(replace(s, config=replace(s.config, settle_seconds=0)), Path(tmp), batch_size=10)
    setup = replace(setup, config=replace(setup.config, inbox=Path(inbox), store_url=url))
    Store(url).close()  # the schema exists before the race starts
    barrier.wait()
    run_intake(setup)


def test_two_machines_sharing_one_postgres_store_store_each_return_once(pg_url, tmp_path, schema):
    """Two intakes (as on two machines) on one inbox and one PostgreSQL store at the same moment."""
    sample = make_sample(schema, GUANGDONG, Period(2024, 1), 60, seed=32)
    for f in sample.files:
        drop(tmp_path / "inbox", f.path, f.data)
    Store(pg_url).close()  # schema first, so both see the same tables
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(target=_intake_process, args=(pg_url, str(tmp_path / "inbox"), str(tmp_path / f"m{i}"), barrier))
        for i in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    stored = _contents(pg_url)
    assert len(stored["files"]) == len(sample.files)
    assert len(stored["returns"]) == 60 and {r.status for r in stored["returns"]} == {"accepted"}
