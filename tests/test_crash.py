"""Crash safety and concurrency, against the real CLI and real files: `report` killed with SIGKILL at
random moments of each phase, then left to finish; two intakes and a report started at once.

The sample has 1,500 firms (messy) in four cities: fewer cities mean fewer documents per run, so more
kills fit in a minute; every phase a run goes through is the same as with 21.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook as ox_load

from flows.files import read_original
from rtr.form.periods import Period
from sample.synthetic import make_sample
from tests import reliability
from tests.flows.test_documents import doc_text
from tests.flows.test_flows import write_config
from tests.flows.test_intake import receipt_text

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow, pytest.mark.prefect]

FIRMS = 600  # enough for every phase to last long enough for a kill to land in it
CITIES = ("广州市", "深圳市", "佛山市", "东莞市")
SEED = 20261121
ROUNDS, KILLS_PER_ROUND = 2, 10
REQUIRED = ("intake", "aggregation", "workbook", "documents")  # every round kills in each of these at least once
# What the run logs as it goes (flows/pipeline.py, flows/report.py), and the phase each line starts.
PHASES = [
    ("读取新文件：", "intake"),
    ("已读取并保存", "intake"),
    ("报告步骤：读取数据库", "aggregation"),
    ("报告步骤：汇总指标", "aggregation"),
    ("报告步骤：写入 summary.json", "summary.json"),
    ("报告步骤：写入汇总表.xlsx", "workbook"),
    ("报告步骤：复制回执", "receipts"),
    ("报告步骤：写入 Word 报告", "documents"),
    ("报告步骤：完成", "after the outputs"),
]
TEMP = re.compile(r"\.tmp-\d+-")


def phase_of(line: str) -> str | None:
    return next((phase for marker, phase in PHASES if marker in line), None)


@dataclass
class Run:
    """One `report` run in a subprocess (its own process group), its log lines timed as they arrive."""

    config: Path
    env: dict[str, str]
    lines: list[tuple[float, str]] = field(default_factory=list)

    def start(self) -> None:
        self.started = time.monotonic()
        self.wall_start = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flows", "report", "--period", "2024H1", "--no-email", "--config", str(self.config)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.seen = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            with self.seen:
                self.lines.append((time.monotonic(), line))
                self.seen.notify_all()
        with self.seen:
            self.lines.append((time.monotonic(), ""))  # end of output
            self.seen.notify_all()

    def wait_for(self, predicate, timeout: float = 180) -> str | None:
        """The first line that satisfies `predicate`, or None if the run ended first."""
        end, index = time.monotonic() + timeout, 0
        with self.seen:
            while time.monotonic() < end:
                while index < len(self.lines):
                    line = self.lines[index][1]
                    if line == "":
                        return None
                    if predicate(line):
                        return line
                    index += 1
                self.seen.wait(0.5)
        raise AssertionError(f"no such line within {timeout} s:\n{self.text()}")

    def kill(self) -> bool:
        """SIGKILL to the run and its worker processes; False if it had already finished."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            return False
        self.proc.wait(60)
        self.reader.join(60)
        return self.proc.returncode == -signal.SIGKILL

    def finish(self) -> None:
        assert self.proc.wait(300) == 0, self.text()
        self.reader.join(60)

    def phase(self) -> str:
        """The phase the run was in last, from its log."""
        phases = [p for _, line in self.lines if (p := phase_of(line))]
        return phases[-1] if phases else "start-up"

    def step_seconds(self) -> dict[str, float]:
        """How long each phase took (from one phase's first line to the next phase's)."""
        marks = [(t, p) for t, line in self.lines if (p := phase_of(line))]
        out: dict[str, float] = Counter()
        for (t0, p), (t1, _) in itertools.pairwise(marks):
            out[p] += t1 - t0
        return dict(out)

    def text(self, tail: int = 4000) -> str:
        return "".join(line for _, line in self.lines)[-tail:]


@dataclass
class World:
    inbox: Path
    reference: Path  # the folder of an uninterrupted run
    env: dict[str, str]
    steps: dict[str, float]  # how long each phase took in the uninterrupted run
    files: int
    new: int = 0  # what the uninterrupted run's intake counted as new files


def make_config(folder: Path) -> Path:
    """The flow tests' config for these cities, with small batches: more commits for a kill to fall between."""
    return write_config(folder, cities=CITIES, batch_size=100)


def fresh(world: World, folder: Path) -> Path:
    """A folder with its own copy of the inbox (hard links: the pipeline never writes to the inbox)."""
    shutil.copytree(world.inbox, folder / "inbox", copy_function=os.link)
    return make_config(folder)


@pytest.fixture(scope="module")
def world(tmp_path_factory, schema) -> World:
    base = tmp_path_factory.mktemp("crash")
    sample = make_sample(schema, CITIES, Period(2024, 1), FIRMS, seed=SEED, messy=True)
    for f in sample.files:
        path = base / "inbox" / f.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.data)
    # the steps as a typed command runs them (no Prefect server), each announcing itself on stderr;
    # the flows are a thin wrapper over the same steps (tests/flows/test_flows.py)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "RTR_LOG_LEVEL": "INFO",
        "PREFECT_PROFILES_PATH": str(base / "no-prefect-profile.toml"),
    }
    reference = base / "reference"
    reference.mkdir()
    world = World(base / "inbox", reference, env, {}, len(sample.files))
    run = Run(fresh(world, reference), env)
    run.start()
    run.finish()
    world.steps, world.new = run.step_seconds(), new_files(run.text(tail=10**6))
    return world


def new_files(output: str) -> int:
    return int(re.search(r"新文件 (\d+) 个", output).group(1))


# --- what is checked -------------------------------------------------------------------------------------------------


def ledger(folder: Path) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, int | None, str]]]:
    """(path → (outcome, sha256), [(path, sheet, row, status)]) from the store, after checking that no
    path is in the ledger twice and no return is stored twice."""
    with sqlite3.connect(folder / "data/r.sqlite") as conn:
        files = conn.execute("SELECT path, outcome, sha256, archived_as FROM files").fetchall()
        rets = conn.execute("SELECT path, sheet, row, status, uscc, period FROM returns").fetchall()
    paths = Counter(p for p, *_ in files)
    assert max(paths.values(), default=1) == 1, [p for p, n in paths.items() if n > 1]
    keys = Counter((p, s, r) for p, s, r, *_ in rets)
    assert max(keys.values(), default=1) == 1, [k for k, n in keys.items() if n > 1]
    accepted = Counter((u, p) for *_, status, u, p in rets if status == "accepted")
    assert max(accepted.values(), default=1) == 1, "a firm counted twice in one period"
    for path, _outcome, digest, archived in files:  # every original kept byte for byte
        if archived:
            assert hashlib.sha256(read_original(folder / "data/orig", archived)).hexdigest() == digest, path
    return ({p: (o, d) for p, o, d, _ in files}, sorted((p, s, r, st) for p, s, r, st, *_ in rets))


def check_whole(path: Path) -> None:
    """An output as a reader would find it: whole."""
    if path.suffix == ".json":
        json.loads(path.read_bytes())
    elif path.suffix in (".xlsx", ".docx"):
        with zipfile.ZipFile(path) as z:
            assert z.testzip() is None, path
    else:
        raise AssertionError(f"unexpected output {path}")


def visible_outputs_whole(folder: Path, since: float) -> None:
    """Every file under outputs/ a reader could open (not a hidden temporary) and that was written
    since `since` is whole."""
    for path in (folder / "out").rglob("*"):
        if path.is_file() and not TEMP.match(path.name) and path.stat().st_mtime >= since - 1:
            check_whole(path)


def temporaries(folder: Path) -> list[Path]:
    return [p for sub in ("out", "data") for p in (folder / sub).rglob(".tmp-*")]


def summary_of(folder: Path) -> dict:
    summary = json.loads((folder / "out/2024H1/summary.json").read_text(encoding="utf-8"))
    summary.pop("generated_at")
    return summary


def workbook_values(path: Path) -> dict[str, list[tuple]]:
    wb = ox_load(path, read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def receipt_lines(path: Path) -> list[str]:
    """A receipt's text without the time its file was received (the time of the run that read it)."""
    return [line for line in receipt_text(path).splitlines() if not line.startswith("收到时间")]


def assert_same_as_reference(world: World, folder: Path, rng: random.Random) -> None:
    ref, got = world.reference, folder
    assert summary_of(got) == summary_of(ref)
    ref_docs = sorted(p.relative_to(ref) for p in (ref / "out/2024H1").rglob("*.docx"))
    assert ref_docs and sorted(p.relative_to(got) for p in (got / "out/2024H1").rglob("*.docx")) == ref_docs
    for rel in ref_docs:
        assert doc_text(got / rel) == doc_text(ref / rel), rel
    assert workbook_values(got / "out/2024H1/汇总表.xlsx") == workbook_values(ref / "out/2024H1/汇总表.xlsx")
    receipts = sorted(p.relative_to(ref) for p in (ref / "out/2024H1/回执").rglob("*.xlsx"))
    assert sorted(p.relative_to(got) for p in (got / "out/2024H1/回执").rglob("*.xlsx")) == receipts
    for rel in rng.sample(receipts, 40):
        assert receipt_lines(got / rel) == receipt_lines(ref / rel), rel
    assert ledger(got) == ledger(ref)
    assert temporaries(got) == []


# --- the tests -------------------------------------------------------------------------------------------------------


def kill_at_random(world: World, folder: Path, config: Path, target: str, rng: random.Random) -> tuple[str, int] | None:
    """Starts `report`, waits until it starts `target`, kills it a random moment into that phase
    (as long as the phase took in the uninterrupted run); returns the phase it was in, or None if
    it never reached `target` (nothing left to read, say) and finished. After the kill: every output
    it wrote is whole, the store holds nothing twice; returns (phase, temporary files it left)."""
    run = Run(config, world.env)
    run.start()
    if target == "intake":
        line = run.wait_for(lambda s: "读取新文件：" in s)
        left = int(re.search(r"读取新文件：(\d+)", line).group(1)) if line else 0
        span = world.steps["intake"] * left / world.files
        if not left:
            run.finish()
            return None
    else:
        marker = next(m for m, p in PHASES if p == target)
        if run.wait_for(lambda s: marker in s) is None:
            run.finish()
            return None
        span = world.steps[target]
    time.sleep(rng.uniform(0, span))
    if not run.kill():
        run.finish()
        return None
    visible_outputs_whole(folder, run.wall_start)
    ledger(folder)
    return run.phase(), len(temporaries(folder))


def kill_round(world: World, folder: Path, seed: int) -> tuple[Counter[str], int]:
    """One round from an empty store: KILLS_PER_ROUND kills, then a run left to finish and compared
    with the uninterrupted run. Returns the phases hit and the most temporary files a kill left."""
    rng = random.Random(seed)
    folder.mkdir()
    config = fresh(world, folder)
    hit: Counter[str] = Counter()
    left = 0
    outputs = ["aggregation", "workbook", "documents"]
    targets = ["intake"] * 3 + rng.sample(outputs, 3) + rng.choices([*outputs, "summary.json", "receipts"], k=20)
    for target in targets:
        # a kill lands where the run happens to be: aim again at a required phase no kill has hit yet
        missing = [p for p in REQUIRED if not hit[p] and p != "intake"]
        if hit.total() >= KILLS_PER_ROUND and not missing:
            break
        if hit.total() >= KILLS_PER_ROUND - len(missing):
            target = missing[0]
        if (killed := kill_at_random(world, folder, config, target, rng)) is not None:
            hit[killed[0]] += 1
            left = max(left, killed[1])
    assert hit.total() >= KILLS_PER_ROUND and all(hit[p] for p in REQUIRED), hit
    run = Run(config, world.env)
    run.start()
    run.finish()
    assert_same_as_reference(world, folder, rng)
    return hit, left


def test_sigkill_at_random_moments_then_finish_equals_an_uninterrupted_run(world, tmp_path):
    started = time.monotonic()
    # the rounds run side by side, each on its own inbox copy and store: most of a run is one busy core
    with ThreadPoolExecutor(ROUNDS) as pool:
        rounds = list(pool.map(lambda r: kill_round(world, tmp_path / f"round{r}", SEED + r), range(ROUNDS)))
    hit = sum((h for h, _ in rounds), Counter())
    left = max(n for _, n in rounds)
    assert hit.total() >= 20
    seconds = time.monotonic() - started
    order = ["start-up"] + [p for _, p in PHASES]
    for phase, n in sorted(hit.items(), key=lambda kv: order.index(kv[0])):
        reliability.record(
            "Crash safety",
            f"SIGKILL of `report` and its workers during {phase} ({FIRMS} firms, messy)",
            n,
            "the next run finished the job: summary.json, every document's text, 汇总表 and the ledger equal an "
            "uninterrupted run's",
            "after each kill: every output the killed run wrote opens whole, no path or return twice in the store, "
            "every original byte for byte; after each round of 10: equal to the uninterrupted run, no .tmp- file left",
        )
    reliability.record(
        "Crash safety",
        f"the {sum(hit.values())} kills above, in {ROUNDS} rounds (side by side) from an empty store",
        ROUNDS,
        f"{seconds:.0f} s in all; seeds {SEED}+round; up to {left} temporary "
        "files left by a kill, "
        "swept by the next run",
        "each round's final outputs compared with the uninterrupted run's; no .tmp- file under outputs/ or the archive",
    )


def test_two_intakes_and_a_report_started_at_once(world, tmp_path):
    config = fresh(world, tmp_path)
    intake = [sys.executable, "-m", "flows", "intake", "--config", str(config)]
    report = [sys.executable, "-m", "flows", "report", "--period", "2024H1", "--no-email", "--config", str(config)]
    procs = [
        subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=world.env | {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cmd in (intake, intake, report)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    new = [new_files(out) for out, _ in outs]
    assert sorted(new) == [0, 0, world.new], (
        new
    )  # one did the reading; the others waited for it, then found nothing new
    assert_same_as_reference(world, tmp_path, random.Random(SEED))
    reliability.record(
        "Concurrency",
        f"two intakes and a report started at the same moment on one inbox and store ({FIRMS} firms)",
        1,
        f"files read by each: {new[0]}, {new[1]} and {new[2]} (the report's intake); the others waited for the lock",
        "ledger, returns and statuses equal to an uninterrupted run's; the report's summary.json, documents and "
        "汇总表 too",
    )
