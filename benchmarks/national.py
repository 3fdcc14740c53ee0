"""National-scale benchmark: N synthetic returns, every measure in one run on the same files.

    .venv/bin/python benchmarks/national.py                 # 5,000 returns (a province)
    .venv/bin/python benchmarks/national.py --firms 40000   # the whole country

Measures (each in its own process, so each peak RSS is its own):
- floor: python-calamine reading every sheet of every file into Python values, nothing else;
- naive: openpyxl.load_workbook of each file, every row read (on a tenth of the files);
- intake: `python -m flows intake` (Prefect, read + check + store + receipts) on N/2 and on N files,
  each into a fresh store, against a Prefect server the benchmark starts (as scheduled runs use
  one); the marginal cost per return is the slope between the two; each size runs --repeat times
  (default 2), alternately, and the fastest run counts (this machine drifts by ±15 %);
- plain intake: the same steps without Prefect (flows.steps.intake run directly) on N files: Prefect's share,
  the median over the repeats of each repeat's CLI run at N against its plain run (every other repeat
  runs the plain one first, so neither side always runs first);
- the intakes above for each runner in --runners (default: processes, then threads), each with its own
  plain run on the same kind of pool (worker processes or worker threads); the targets are checked
  for each;
- fixed costs: an empty inbox's intake with the running server and with a temporary one (a command
  typed with no server configured starts one);
- report: `python -m flows report --no-email` after the intake (aggregate, 汇总表, receipts, documents),
  and in-process the time of each part at N/2 and N (document rendering should not grow with N);
- incremental: one new file dropped into the full inbox, `python -m flows intake` again.
Prints a table and writes docs/benchmarks.md (machine, command, table, targets).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PERIOD = "2024H1"


def run(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """(wall seconds, 0, stdout) of a child process; exit 2 (findings) counts as success."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr.decode()[-3000:]}")
    return time.perf_counter() - start, 0, proc.stdout.decode()


def measured(cmd: list[str], cwd: Path | None = None) -> tuple[float, int, str]:
    """(wall seconds, the child's own peak RSS in MB, its stdout): a wrapper process waits for it with wait4."""
    wrapper = [PY, str(Path(__file__)), "--stage", "rss-of", "--", *cmd]
    _, _, out = run(wrapper, cwd)
    data = json.loads(out.strip().splitlines()[-1])
    return data["seconds"], data["rss_mb"], data["stdout"]


# --- stages run in child processes ------------------------------------------------------------


def stage_rss_of(cmd: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code not in (0, 2):
            sys.stderr.write(err.read().decode()[-3000:])
            raise SystemExit(code)
        print(
            json.dumps(
                {"seconds": seconds, "rss_mb": usage.ru_maxrss // 1024, "stdout": out.read().decode()},
                ensure_ascii=False,
            )
        )


def _files(inbox: Path) -> list[Path]:
    return sorted(p for p in inbox.rglob("*") if p.is_file() and p.suffix in (".xlsx", ".xlsm"))


def stage_floor(inbox: Path) -> None:
    import python_calamine as calamine

    files = _files(inbox)
    start = time.perf_counter()
    for path in files:
        book = calamine.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()
    print(json.dumps({"seconds": time.perf_counter() - start, "files": len(files)}))


def stage_naive(inbox: Path, every: int) -> None:
    import openpyxl

    files = _files(inbox)[::every]
    start = time.perf_counter()
    for path in files:
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
    print(json.dumps({"seconds": time.perf_counter() - start, "files": len(files)}))


def stage_plain_intake(config: Path) -> None:
    from flows import steps
    from flows.setup import load_setup, open_store

    setup = load_setup(config)
    start = time.perf_counter()
    via = steps.Direct(setup.config.runner.workers)
    try:
        with open_store(setup.config) as store:
            result = steps.intake(setup, store, via).result
    finally:
        via.close()
    print(json.dumps({"seconds": time.perf_counter() - start, "line": result.line()}, ensure_ascii=False))


def stage_report_parts(config: Path) -> None:
    from flows.documents import render_documents
    from flows.report import write_outputs
    from flows.setup import Overrides, load_setup
    from rtr.form.periods import parse_period
    from rtr.store import Store

    setup = load_setup(config)
    setup = load_setup(config, Overrides(out=setup.config.outputs / "parts"))
    timings: dict[str, float] = {}
    store = Store(setup.config.store_url)
    write_outputs(setup, parse_period(PERIOD), store=store, documents=render_documents, timings=timings)
    print(json.dumps(timings))


# --- the benchmark ------------------------------------------------------------------------------


from rtr.config import Runner  # noqa: E402  (after ROOT: the benchmark runs from a checkout)

DEFAULT_RUNNER = Runner()


def write_config(folder: Path, inbox: Path, runner: str = DEFAULT_RUNNER.kind) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        f'[paths]\ninbox = "{inbox}"\noutputs = "out"\nreceipts = "out/回执"\nstore = "returns.sqlite"\n'
        f'archive = "originals"\n[intake]\nsettle_seconds = 0\n[runner]\nkind = "{runner}"\n[templates]\n'
        f'province_report = "{ROOT / "templates/province_report.docx"}"\ncity_report = "{ROOT / "templates/city_report.docx"}"\n',
        encoding="utf-8",
    )
    return path


_SERVER: list = []


def start_prefect_server() -> str:
    """A Prefect server for the runs that model scheduled ones; its API URL."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    _SERVER.append(server)
    return server.api_url


def stop_prefect_server() -> None:
    while _SERVER:
        _SERVER.pop().stop()


@contextlib.contextmanager
def prefect_api(url: str):
    """Child processes started inside use the server at `url`."""
    os.environ["PREFECT_API_URL"] = url
    try:
        yield
    finally:
        os.environ.pop("PREFECT_API_URL", None)


@dataclass
class Intake:
    """One runner's intake timings (fastest of the repeats, in seconds) and peak RSS (largest, MB)."""

    half: float = float("inf")
    full: float = float("inf")
    plain: float = float("inf")
    rss: int = 0
    plain_rss: int = 0
    line: str = ""  # the full run's output
    pairs: list[tuple[float, float]] = field(default_factory=list)  # (CLI at N, plain at N) of each repeat

    def paired_share(self) -> float:
        """The median of each repeat's CLI-against-plain share: a repeat's two runs follow each other,
        so the machine's drift between repeats (±15 %) cancels, which fastest against fastest
        (each side's best moment, maybe minutes apart) does not."""
        return statistics.median(full / plain - 1 for full, plain in self.pairs)

    def marginal_ms(self, n: int, half: int) -> float:
        return (self.full - self.half) / (n - half) * 1000

    def checks(
        self, n: int, half: int, floor_ms: float, naive_ms: float, report_s: float, server_start_s: float
    ) -> list[tuple[str, bool]]:
        marginal = self.marginal_ms(n, half)
        share = (self.full - self.plain) / self.plain
        paired = self.paired_share()
        return [
            (f"intake marginal ≤ 2.5 × floor: {marginal / floor_ms:.2f} ×", marginal <= 2.5 * floor_ms),
            (f"openpyxl / intake ≥ 15: {naive_ms / marginal:.1f} ×", naive_ms / marginal >= 15),
            (
                f"intake + report at N under 3 min: {self.full + report_s:.0f} s (intake {self.full:.0f} s + report "
                f"{report_s:.0f} s, which starts its own temporary server)",
                self.full + report_s < 180,
            ),
            (
                f"Prefect adds under 10 %: {paired:+.1%}, the median of {len(self.pairs)} repeats, each the CLI "
                f"against a running server vs the same steps without Prefect run next to it ({', '.join(f'{f / p - 1:+.1%}' for f, p in self.pairs)}); "
                f"fastest against fastest {share:+.1%} ({self.full:.1f} s vs {self.plain:.1f} s); a typed command "
                f"also starts a temporary server: +{server_start_s:.1f} s",
                paired < 0.10,
            ),
        ]


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return f"{os.cpu_count()} vCPU ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each intake size; the fastest counts")
    parser.add_argument(
        "--runners",
        default="processes,threads",
        help="task runners to measure intake on, comma-separated (report and the incremental "
        "run use the default runner's store)",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/rtr-benchmark"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks.md")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--arg", help=argparse.SUPPRESS)
    parser.add_argument("rest", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    stages = {
        "floor": lambda: stage_floor(Path(args.arg)),
        "naive": lambda: stage_naive(Path(args.arg), 10),
        "plain-intake": lambda: stage_plain_intake(Path(args.arg)),
        "report-parts": lambda: stage_report_parts(Path(args.arg)),
        "rss-of": lambda: stage_rss_of(args.rest),
    }
    if args.stage:
        stages[args.stage]()
        return

    n, half = args.firms, args.firms // 2
    work = args.work / str(n)
    shutil.rmtree(work, ignore_errors=True)
    full_inbox, half_inbox = work / "inbox", work / "inbox-half"
    print(f"generating {n} returns …", flush=True)
    gen_wall, _, _ = run(
        [PY, "-m", "flows", "sample", "--period", PERIOD, "--firms", str(n), "--seed", "1", "--out", str(full_inbox)],
        ROOT,
    )
    files = _files(full_inbox)
    for path in files[:half]:
        target = half_inbox / path.relative_to(full_inbox)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
    this = Path(__file__)

    def stage(name: str, arg: Path) -> tuple[float, int, dict]:
        wall, rss, out = measured([PY, str(this), "--stage", name, "--arg", str(arg)], ROOT)
        return wall, rss, json.loads(out.strip().splitlines()[-1])

    def last_line(out: str) -> str:
        return out.strip().splitlines()[-1] if out.strip() else ""

    print("floor, naive …", flush=True)
    _, floor_rss, floor = stage("floor", full_inbox)
    _, naive_rss, naive = stage("naive", full_inbox)
    floor_ms = floor["seconds"] / floor["files"] * 1000
    naive_ms = naive["seconds"] / naive["files"] * 1000

    # The intakes run against one Prefect server the benchmark starts, as scheduled runs do (`serve`
    # or workers talk to a running server); a command typed without a server starts a temporary one,
    # a fixed cost measured on its own below. Each size runs `--repeat` times, alternately, each into
    # a fresh store, and the fastest run counts: this machine's speed drifts by ±15 % from run to run.
    runners = [kind.strip() for kind in args.runners.split(",") if kind.strip()]
    server_url = start_prefect_server()
    intakes: dict[str, Intake] = {}
    for kind in runners:
        print(f"intake N/2, N, and N without Prefect on runner {kind}, {args.repeat} × each …", flush=True)
        got = intakes[kind] = Intake()
        for i in range(args.repeat):
            runs = [("half", half_inbox), ("full", full_inbox), ("plain", full_inbox)]
            walls = {}
            for size, inbox in runs if i % 2 == 0 else runs[::-1]:  # neither side always first; N and plain adjacent
                cfg = write_config(work / f"{kind}-{size}-{i}", inbox, kind)
                if size == "plain":  # the whole command's wall time, as for the CLI (start-up and imports included)
                    wall, rss, _ = stage("plain-intake", cfg)
                    got.plain, got.plain_rss = min(got.plain, wall), max(got.plain_rss, rss)
                else:
                    with prefect_api(server_url):
                        wall, rss, out = measured([PY, "-m", "flows", "intake", "--config", str(cfg)], ROOT)
                    setattr(got, size, min(getattr(got, size), wall))
                    got.rss = max(got.rss, rss)
                    if size == "full":
                        got.line = out
                walls[size] = wall
            got.pairs.append((walls["full"], walls["plain"]))
    # report and incremental intake on the stores the default runner (or else the first) filled
    main_kind = DEFAULT_RUNNER.kind if DEFAULT_RUNNER.kind in intakes else runners[0]
    cfg_half = work / f"{main_kind}-half-0" / "config.toml"
    cfg_full = work / f"{main_kind}-full-0" / "config.toml"
    print("fixed costs: an empty inbox, with and without a running server …", flush=True)
    empty = work / "empty-inbox"
    empty.mkdir(exist_ok=True)
    with prefect_api(server_url):
        t_empty_warm, _, _ = measured(
            [PY, "-m", "flows", "intake", "--config", str(write_config(work / "run-empty-warm", empty))], ROOT
        )
    t_empty_cold, _, _ = measured(
        [PY, "-m", "flows", "intake", "--config", str(write_config(work / "run-empty-cold", empty))], ROOT
    )

    print("report …", flush=True)
    t_report, rss_report, _ = measured(
        [PY, "-m", "flows", "report", "--config", str(cfg_full), "--period", PERIOD, "--no-email"], ROOT
    )
    _, _, parts_half = stage("report-parts", cfg_half)
    _, _, parts_full = stage("report-parts", cfg_full)

    print("incremental intake …", flush=True)
    extra = work / "extra"
    run([PY, "-m", "flows", "sample", "--period", PERIOD, "--firms", "1", "--seed", "99", "--out", str(extra)], ROOT)
    (new_file,) = _files(extra)
    target = full_inbox / "新到" / new_file.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(new_file, target)
    t_incr, rss_incr, out_incr = measured([PY, "-m", "flows", "intake", "--config", str(cfg_full)], ROOT)

    stop_prefect_server()
    rows = [
        ("calamine floor (every sheet → Python values)", floor_ms, floor_rss, f"{floor['files']} files"),
        ("openpyxl load + every row", naive_ms, naive_rss, f"{naive['files']} files"),
    ]
    for kind, got in intakes.items():
        pool = {"processes": "worker processes", "threads": "worker threads"}.get(kind, kind)
        rows += [
            (
                f"**{kind}**: intake, marginal (slope N/2 → N, Prefect CLI)",
                got.marginal_ms(n, half),
                got.rss,
                last_line(got.line),
            ),
            (f"**{kind}**: intake of N/2 = {half} (CLI, total)", got.half * 1000 / half, got.rss, f"{got.half:.1f} s"),
            (f"**{kind}**: intake of N = {n} (CLI, total)", got.full * 1000 / n, got.rss, f"{got.full:.1f} s"),
            (
                f"**{kind}**: intake of N without Prefect (run_intake on {pool}, whole process)",
                got.plain * 1000 / n,
                got.plain_rss,
                f"{got.plain:.1f} s",
            ),
        ]
    rows += [
        ("intake of an empty inbox (CLI, running server)", t_empty_warm * 1000, 0, "fixed cost of a run"),
        ("intake of an empty inbox (CLI, temporary server)", t_empty_cold * 1000, 0, "fixed cost of a typed command"),
        (
            f"report at N (CLI, --no-email, temporary server; {main_kind} store)",
            t_report * 1000 / n,
            rss_report,
            f"{t_report:.1f} s",
        ),
        ("incremental: 1 new file, N stored (CLI, temporary server)", t_incr * 1000, rss_incr, last_line(out_incr)),
    ]
    rss_peak = max(rss_report, *(got.rss for got in intakes.values()))
    doc_half, doc_full = parts_half.get("documents", 0), parts_full.get("documents", 0)
    shared_checks = [
        (f"peak RSS under 2 GB: {rss_peak} MB", rss_peak < 2048),
        (f"incremental intake under 15 s: {t_incr:.1f} s", t_incr < 15),
        (f"document rendering N/2 → N: {doc_half:.2f} s → {doc_full:.2f} s", doc_full < 1.5 * doc_half + 0.5),
    ]

    table = ["| measure | ms per return | returns/s | peak RSS (MB) | note |", "|---|---:|---:|---:|---|"]
    for name, ms, rss, note in rows:
        table.append(f"| {name} | {ms:.2f} | {1000 / ms if ms else 0:,.0f} | {rss} | {note} |")
    parts = ["| report part | N/2 (s) | N (s) |", "|---|---:|---:|"]
    parts += [f"| {k} | {parts_half.get(k, 0):.2f} | {parts_full.get(k, 0):.2f} |" for k in parts_full]
    ratios = [
        f"{kind}: intake marginal / floor = **{got.marginal_ms(n, half) / floor_ms:.2f}**; openpyxl / intake = "
        f"**{naive_ms / got.marginal_ms(n, half):.1f}**."
        for kind, got in intakes.items()
    ]
    targets = []
    for kind, got in intakes.items():
        default = " (the default)" if kind == DEFAULT_RUNNER.kind else ""
        targets += [
            f'### `kind = "{kind}"`{default}',
            "",
            *[
                f"- [{'x' if ok else ' '}] {text}"
                for text, ok in got.checks(n, half, floor_ms, naive_ms, t_report, t_empty_cold - t_empty_warm)
            ],
            "",
        ]
    lines = [
        f"# Benchmark: {n:,} returns",
        "",
        f"Machine: {machine()}.  ",
        f"Command: `.venv/bin/python benchmarks/national.py {shlex.join(sys.argv[1:])}` ({time.strftime('%Y-%m-%d')}); "
        f"generating the sample took {gen_wall:.0f} s.  ",
        f"Runners: {', '.join(f'`{k}`' for k in runners)}, each with `[runner]` defaults otherwise ({DEFAULT_RUNNER.workers} workers, "
        f"{DEFAULT_RUNNER.batch_size} files a batch), for the flow and for its plain run alike; the shipped default is "
        f'`kind = "{DEFAULT_RUNNER.kind}"`. Intake figures are the fastest of {args.repeat} runs; Prefect\'s share is the '
        f"median over those runs of the CLI run at N against the run without Prefect next to it.",
        "",
        *table,
        "",
        "Ratios: " + " ".join(ratios),
        "",
        *parts,
        "",
        "## Targets (issue 5)",
        "",
        *[f"- [{'x' if ok else ' '}] {text}" for text, ok in shared_checks],
        "",
        *targets,
    ]
    text = "\n".join(lines)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
