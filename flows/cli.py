"""`python -m flows COMMAND`: the commands of interface.md.

Exit status: 0 when the command did its job (rejected returns are normal results), 2 for bad
arguments or configuration, 1 when the run itself failed. No traceback for an expected failure
(set RTR_DEBUG=1 to see one for an unexpected failure).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from flows.files import write_atomic
from flows.intake import RosterError, load_roster
from flows.settings import load_setup
from rtr.config import ConfigError, sqlite_url
from rtr.form.periods import Period, latest_ended, parse_period

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="returns-to-reports：律师事务所党建工作情况半年报表的收集、审核与汇总。",
)

ConfigOpt = Annotated[Path, typer.Option("--config", help="配置文件 config file", show_default=True)]


def _fail(message: str, code: int) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _guarded(body: Callable[[], None]) -> None:
    try:
        body()
    except (ConfigError, RosterError) as exc:
        _fail(f"配置错误：{exc}", 2)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        _fail("已中断。", 130)
    except Exception as exc:
        if os.environ.get("RTR_DEBUG"):
            raise
        _fail(f"运行失败（{type(exc).__name__}）：{exc}。设置 RTR_DEBUG=1 可查看详细信息。", 1)


def _period(text: str) -> Period:
    period = parse_period(text)
    if period is None:
        raise typer.BadParameter(f"无法识别的报告期 {text!r}：请写成 2024H1 或 2024年上半年")
    return period


@app.command(epilog="示例 example:  python -m flows template --out outputs/律党1表.xlsx")
def template(
    out: Annotated[
        Path | None, typer.Option(help="输出文件（默认 outputs/律师事务所党建工作情况半年报表.xlsx）")
    ] = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """生成空白报表（律党1表 .xlsx）：表头、指标表、下拉列表、数值校验、填报说明。"""

    def body() -> None:
        from rtr.workbooks.formgen import build_form, form_notes, workbook_bytes

        setup = load_setup(config)
        latest = latest_ended(date.today())
        periods = [latest]
        for _ in range(3):
            periods.append(periods[-1].previous())
        choices = tuple(
            p.label for p in [Period(latest.year + latest.half // 2, 2 if latest.half == 1 else 1), *periods]
        )
        wb, _ = build_form(setup.schema, setup.config.cities, choices, notes=form_notes(setup.schema_text))
        target = out or setup.config.outputs / f"{setup.schema.title}.xlsx"
        write_atomic(target, workbook_bytes(wb))
        typer.echo(f"空白报表已生成：{target}")

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows sample --period 2024H1 --firms 300 --seed 7 --messy --out inputs")
def sample(
    period: Annotated[str, typer.Option(help="报告期，如 2024H1")],
    firms: Annotated[int, typer.Option(min=0, help="律所数")],
    out: Annotated[Path, typer.Option(help="输出文件夹（每个地市一个子文件夹）")],
    seed: Annotated[int, typer.Option(help="随机种子：同一种子生成相同的数据")] = 1,
    messy: Annotated[bool, typer.Option("--messy", help="混入真实报表的各种写法和违反审核规则的报表")] = False,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """生成模拟的律所报表，用于演示、测试和性能测试。"""
    p = _period(period)

    def body() -> None:
        from sample.synthetic import make_sample

        setup = load_setup(config)
        result = make_sample(setup.schema, setup.config.cities, p, firms, seed=seed, messy=messy)
        for f in result.files:
            write_atomic(out / f.path, f.data)
        breaks = sum(1 for f in result.firms if f.breaks)
        typer.echo(f"已生成 {len(result.files)} 个文件（{firms} 家律所，其中 {breaks} 份有意违反审核规则）：{out}")

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows intake --inbox inputs --db data/returns.sqlite")
def intake(
    inbox: Annotated[Path | None, typer.Option(help="收件文件夹（默认取配置）")] = None,
    db: Annotated[Path | None, typer.Option(help="数据库文件（SQLite，默认取配置）")] = None,
    roster: Annotated[Path | None, typer.Option(help="律所名录 .xlsx（默认取配置）")] = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """读取收件文件夹中的新文件：审核、入库，并为每个文件生成回执。可重复运行，也可同时运行。"""

    def body() -> None:
        _check_paths(config, inbox, roster)
        from flows import progress
        from flows.pipeline import configured_intake

        intake_flow = configured_intake(load_setup(config).config)

        if sys.stdout.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("读取报表", total=None)
                token = progress.hook.set(lambda done, total: bar.update(task, completed=done, total=total))
                try:
                    result = intake_flow(str(config), **_paths(inbox, db, roster))
                finally:
                    progress.hook.reset(token)
        else:
            result = intake_flow(str(config), **_paths(inbox, db, roster))
        typer.echo(result["line"])

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows report --period 2024H1 --no-email")
def report(
    period: Annotated[str | None, typer.Option(help="报告期，如 2024H1（默认：最近一个已结束的半年）")] = None,
    inbox: Annotated[Path | None, typer.Option(help="收件文件夹（默认取配置）")] = None,
    out: Annotated[Path | None, typer.Option(help="输出文件夹（默认取配置）")] = None,
    db: Annotated[Path | None, typer.Option(help="数据库文件（SQLite，默认取配置）")] = None,
    roster: Annotated[Path | None, typer.Option(help="律所名录 .xlsx（默认取配置）")] = None,
    no_email: Annotated[bool, typer.Option("--no-email", help="不发送邮件")] = False,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """先读取新文件，再汇总一个报告期：summary.json、汇总表.xlsx、回执和 Word 报告。"""
    p = _period(period) if period else latest_ended(date.today())

    def body() -> None:
        _check_paths(config, inbox, roster)
        from flows.pipeline import report_flow

        result = report_flow(
            str(config), period=p.id, out=str(out) if out else None, no_email=no_email, **_paths(inbox, db, roster)
        )
        typer.echo(result["intake"]["line"])
        typer.echo(f"{p.label}：已采用报表 {result['firms']} 份。输出：")
        for path in result["documents"]:
            typer.echo(f"  {path}")
        if no_email:
            return
        if result["delivered"] is None:
            typer.echo("邮件：未启用（config.toml [email] enabled = false），报告未发送。")
        else:
            _print_outcomes(result["delivered"])

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows send --period 2024H1")
def send(
    period: Annotated[str, typer.Option(help="报告期，如 2024H1")],
    force: Annotated[bool, typer.Option("--force", help="已发送过的也重新发送")] = False,
    out: Annotated[Path | None, typer.Option(help="输出文件夹（默认取配置）")] = None,
    db: Annotated[Path | None, typer.Option(help="数据库文件（SQLite，默认取配置）")] = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """把某一报告期已生成的报告发送给配置的收件人；已送达的不再重复发送（除非 --force）。"""
    p = _period(period)

    def body() -> None:
        from flows.delivery import deliver
        from rtr.store import Store

        setup = load_setup(config)
        if not setup.config.email.enabled:
            raise ConfigError("邮件未启用：请在 config.toml [email] 中设置 enabled = true 及服务器和收件人")
        folder = (out or setup.config.outputs) / p.id
        if not (folder / "summary.json").is_file():
            raise ConfigError(f"{folder} 中没有报告：请先运行 python -m flows report --period {p.id}")
        store = Store(sqlite_url(db) if db else setup.config.store_url)
        try:
            outcomes = deliver(setup, store, p, folder, force=force)
        finally:
            store.close()
        _print_outcomes([vars(o) for o in outcomes])
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows serve --config config.toml")
def serve(config: ConfigOpt = Path("config.toml")) -> None:
    """常驻运行：定时扫描收件文件夹（每 N 分钟），并按计划（默认 1 月 10 日和 7 月 10 日 9:00）生成和发送半年报告。"""

    def body() -> None:
        from flows.serve import serve_forever
        from rtr.schedule import next_report_runs

        setup = load_setup(config)
        s = setup.config.schedule
        typer.echo(f"每 {s.scan_every_minutes:g} 分钟扫描 {setup.config.inbox}；下次报告：")
        for when, period in next_report_runs(s.report_cron, s.timezone, datetime.now(UTC)):
            typer.echo(f"  {when:%Y-%m-%d %H:%M %z} → {period.label}")
        serve_forever(setup, config)

    _guarded(body)


def _print_outcomes(outcomes: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    labels = {"sent": "已发送", "skipped": "已送达过，未重发", "failed": "发送失败"}
    table = Table("范围", "收件人", "文件", "结果", "尝试次数", "错误")
    for o in outcomes:
        table.add_row(
            o["scope"],
            o["recipient"],
            "\n".join(o["documents"]),
            labels[o["status"]],
            str(o["attempts"] or ""),
            o["error"] or "",
        )
    Console(width=160).print(table)
    if not outcomes:
        typer.echo("没有配置收件人（config.toml [email] province_recipients / city_recipients）。")


def _paths(inbox: Path | None, db: Path | None, roster: Path | None) -> dict[str, str | None]:
    """Command-line paths for a flow's parameters (None: the flow takes them from the config)."""
    return {
        "inbox": str(inbox) if inbox else None,
        "db": str(db) if db else None,
        "roster": str(roster) if roster else None,
    }


def _check_paths(config: Path, inbox: Path | None, roster: Path | None) -> None:
    """Bad settings are reported before any flow starts (exit 2, a message, no traceback)."""
    setup = load_setup(config)
    folder = inbox or setup.config.inbox
    if not folder.is_dir():
        raise ConfigError(f"收件文件夹不存在：{folder}")
    load_roster(roster or setup.config.roster, setup)


def main() -> None:
    # Staff read our one-line results; Prefect's run logs (and their tracebacks) still reach the
    # Prefect API and UI, but not this terminal. Set PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=INFO to see them.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    app(prog_name="python -m flows")
