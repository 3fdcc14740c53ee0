"""`python -m flows COMMAND`: the commands of the README ("Commands").

A typed command runs the pipeline's steps (flows/steps.py) in its own process, without Prefect,
unless a Prefect server is configured (`PREFECT_API_URL`, in the environment or the active Prefect
profile): then it runs the Prefect flow, so the run is in the UI. `serve` always needs a server.

Exit status: 0 when the command did its job (rejected returns are normal results), 2 for bad
arguments or configuration, 1 when the run itself failed. No traceback for an expected failure
(set RTR_DEBUG=1 to see one for an unexpected failure).
"""

from __future__ import annotations

import logging
import os
import sys
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from typer._click import exceptions as usage  # typer ≥ 0.20 carries its own copy of click

from flows.files import write_atomic
from flows.setup import Overrides, Setup, load_setup, open_store, require_folder
from rtr.config import ConfigError
from rtr.form.periods import Period, latest_ended, parse_period

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="returns-to-reports：律师事务所党建工作情况半年报表的收集、审核与汇总。",
)

ConfigOpt = Annotated[Path, typer.Option("--config", help="配置文件（默认 config.toml）")]
InboxOpt = Annotated[Path | None, typer.Option(help="收件文件夹（默认取配置；只改变读取的位置）")]
DbOpt = Annotated[
    Path | None,
    typer.Option(
        help="数据库文件（SQLite）。试运行用：原件、回执和输出都写在它旁边（或 --out 下），不写入配置的文件夹"
    ),
]
OutOpt = Annotated[Path | None, typer.Option(help="输出文件夹（默认取配置）；与 --db 同用时回执也写在其下")]
RosterOpt = Annotated[Path | None, typer.Option(help="律所名录 .xlsx（默认取配置）")]


def _fail(message: str, code: int) -> None:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def _guarded(body: Callable[[], None]) -> None:
    try:
        body()
    except ConfigError as exc:
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


def prefect_api_url() -> str | None:
    """The Prefect server this machine is configured to use, if any: `PREFECT_API_URL` in the
    environment, else in the active profile of Prefect's profiles file. Read here because importing
    Prefect's settings costs a second or more, which a typed command without a server never pays."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active", "ephemeral")
    value = data.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return value if isinstance(value, str) and value else None


@contextmanager
def _progress_bar(label: str):
    """A progress bar on a terminal (nothing when the output goes to a file or a pipe)."""
    if not sys.stdout.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _run_intake(setup: Setup, config: Path, overrides: Overrides) -> dict:
    with _progress_bar("读取报表") as hook:
        if prefect_api_url():
            from flows import progress
            from flows.pipeline import intake_flow

            token = progress.hook.set(hook)
            try:
                with _server_gone_is_one_line():
                    return intake_flow(str(config), **_flow_paths(overrides, "inbox", "db", "roster"))
            finally:
                progress.hook.reset(token)
        from flows import steps

        via = steps.Direct(setup.config.runner.workers)
        try:
            with open_store(setup.config) as store:
                return steps.intake(setup, store, via, progress=hook).as_dict()
        finally:
            via.close()


@contextmanager
def _server_gone_is_one_line():
    """A run whose Prefect server went away ends on one line, however Prefect noticed it."""
    import httpx

    from flows.server_watch import ServerGone, server_gone

    url = prefect_api_url() or "PREFECT_API_URL"
    try:
        yield
    except RuntimeError as exc:
        if not str(exc).startswith("Failed to reach API"):  # Prefect's words for a server not there at the start
            raise
        _fail(
            f"无法连接 Prefect 服务器（{url}）：请先启动服务器（prefect server start），"
            "或取消 PREFECT_API_URL 设置后不经服务器运行",
            1,
        )
    except (ServerGone, httpx.TransportError) as exc:
        message = str(exc) if isinstance(exc, ServerGone) else server_gone(url)
        typer.secho(message, err=True, fg=typer.colors.RED)
        sys.stdout.flush()
        sys.stderr.flush()
        # Prefect's exit handlers would try the gone server for ~10 s more to ship the run's events
        # and logs; the store and the files are closed by now (the error left their `with` blocks).
        os._exit(1)


def _flow_paths(o: Overrides, *names: str) -> dict[str, str | None]:
    """Command-line paths as a flow's parameters (None: the flow takes them from the config)."""
    return {k: str(v) if v else None for k, v in vars(o).items() if not names or k in names}


@app.command(epilog="示例 example:  python -m flows template --out outputs/律党1表.xlsx")
def template(
    out: Annotated[
        Path | None, typer.Option(help="输出文件（默认 outputs/律师事务所党建工作情况半年报表.xlsx）")
    ] = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """生成空白报表（律党1表 .xlsx）：表头、指标表、下拉列表、数值校验、填报说明。"""

    def body() -> None:
        from rtr.workbooks.formgen import build_form, workbook_bytes

        setup = load_setup(config, with_roster=False)
        latest = latest_ended(setup.today)
        periods = [latest]
        for _ in range(3):
            periods.append(periods[-1].previous())
        upcoming = Period(latest.year + latest.half // 2, 2 if latest.half == 1 else 1)
        choices = tuple(p.label for p in [upcoming, *periods])
        wb, _ = build_form(setup.schema, setup.config.cities, choices, thresholds=setup.config.thresholds)
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

        setup = load_setup(config, with_roster=False)
        result = make_sample(setup.schema, setup.config.cities, p, firms, seed=seed, messy=messy)
        for f in result.files:
            write_atomic(out / f.path, f.data)
        breaks = sum(1 for f in result.firms if f.breaks)
        typer.echo(f"已生成 {len(result.files)} 个文件（{firms} 家律所，其中 {breaks} 份有意违反审核规则）：{out}")

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows intake --inbox inputs --db data/returns.sqlite")
def intake(
    inbox: InboxOpt = None,
    db: DbOpt = None,
    roster: RosterOpt = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """读取收件文件夹中的新文件：审核、入库，并为每个文件生成回执。可重复运行，也可同时运行。"""

    def body() -> None:
        overrides = Overrides(inbox=inbox, db=db, roster=roster)
        setup = load_setup(config, overrides)
        require_folder(setup.config.inbox, "收件文件夹")
        done = _run_intake(setup, config, overrides)
        typer.echo(done["line"])
        if done["mail"]:
            typer.echo(done["mail"])

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows report --period 2024H1 --no-email")
def report(
    period: Annotated[str | None, typer.Option(help="报告期，如 2024H1（默认：最近一个已结束的半年）")] = None,
    inbox: InboxOpt = None,
    out: OutOpt = None,
    db: DbOpt = None,
    roster: RosterOpt = None,
    no_email: Annotated[bool, typer.Option("--no-email", help="不发送邮件")] = False,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """先读取新文件，再汇总一个报告期：summary.json、汇总表.xlsx、回执和 Word 报告，然后发送邮件。"""
    chosen = _period(period) if period else None

    def body() -> None:
        from flows import steps

        overrides = Overrides(inbox=inbox, db=db, out=out, roster=roster)
        setup = load_setup(config, overrides)
        p = chosen or latest_ended(setup.today)
        steps.refuse_unended(p, setup)
        require_folder(setup.config.inbox, "收件文件夹")
        done = _run_report(setup, config, overrides, p, email=not no_email)
        typer.echo(done["intake"]["line"])
        if done["intake"]["mail"]:
            typer.echo(done["intake"]["mail"])
        typer.echo(f"{p.label}：已采用报表 {done['firms']} 份。输出：")
        for path in done["documents"]:
            typer.echo(f"  {path}")
        if no_email:
            return
        if done["not_sent"]:
            _fail(done["not_sent"], 1)
        if not setup.config.email.enabled:
            typer.echo("邮件：未启用（config.toml [email] enabled = false），报告未发送。")
            return
        _print_outcomes(done["delivered"])
        if done["undelivered"]:
            _fail(done["undelivered"], 1)

    _guarded(body)


def _run_report(setup: Setup, config: Path, overrides: Overrides, period: Period, *, email: bool) -> dict:
    with _progress_bar("读取报表") as hook:
        if prefect_api_url():
            from flows import progress
            from flows.pipeline import NotDelivered, NothingToReport, report_flow

            token = progress.hook.set(hook)
            try:
                with _server_gone_is_one_line():
                    return report_flow(str(config), period=period.id, no_email=not email, **_flow_paths(overrides))
            except (NothingToReport, NotDelivered) as exc:  # the flow run is Failed in the UI; here, one line
                _fail(str(exc), 1)
            finally:
                progress.hook.reset(token)
        from flows import steps

        via = steps.Direct(setup.config.runner.workers)
        try:
            with open_store(setup.config) as store:
                return steps.report(setup, store, period, via, email=email, progress=hook).as_dict()
        finally:
            via.close()


@app.command(
    epilog="示例 example:  python -m flows send --period 2024H1    python -m flows send --receipts（补发给律所的回执）"
)
def send(
    period: Annotated[str | None, typer.Option(help="报告期，如 2024H1：发送该期的报告")] = None,
    receipts: Annotated[bool, typer.Option("--receipts", help="补发尚未送达律所的回执邮件")] = False,
    force: Annotated[bool, typer.Option("--force", help="已发送过的报告也重新发送")] = False,
    out: OutOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """把某一报告期已生成的报告发送给配置的收件人（已送达的不再重复发送，除非 --force）；或用 --receipts 补发律所的回执。"""
    if (period is None) == (not receipts):
        raise typer.BadParameter("请给出 --period（发送报告）或 --receipts（补发回执），二者选一")
    p = _period(period) if period else None

    def body() -> None:
        from flows import steps

        if receipts:
            from flows.firm_mail import require_firm_mail, send_receipts

            setup = load_setup(config, Overrides(db=db, out=out))
            require_firm_mail(setup, "receipts")
            with open_store(setup.config) as store:
                mailing = send_receipts(setup, store, announce=typer.echo)
            _finish_mailing(mailing)
            return
        from flows.delivery import deliver

        setup = load_setup(config, Overrides(db=db, out=out), with_roster=False)
        steps.refuse_unended(p, setup)
        if not setup.config.email.enabled:
            raise ConfigError("邮件未启用：请在 config.toml [email] 中设置 enabled = true 及服务器和收件人")
        folder = setup.config.outputs / p.id
        if not (folder / "summary.json").is_file():
            raise ConfigError(f"{folder} 中没有报告：请先运行 python -m flows report --period {p.id}")
        with open_store(setup.config) as store:
            outcomes = deliver(setup, store, p, folder, force=force, announce=typer.echo)
        _print_outcomes([vars(o) for o in outcomes])
        failed = [o for o in outcomes if o.status == "failed"]
        if failed:
            _fail(f"{len(failed)} 封邮件未能发送（{failed[0].error}）；恢复后再次运行本命令补发", 1)

    _guarded(body)


def _finish_mailing(mailing) -> None:
    typer.echo(mailing.line())
    if mailing.failed:
        _fail("未送达的邮件已记录：恢复后运行 python -m flows send --receipts（或 remind）补发", 1)


@app.command(epilog="示例 example:  python -m flows status --period 2024H1")
def status(
    period: Annotated[str | None, typer.Option(help="报告期，如 2024H1（默认：正在收集的半年）")] = None,
    db: DbOpt = None,
    roster: RosterOpt = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """报送进度：各地市应报、已采用、退回待修改、未报送和报送率，以及各状态的律所名单（在 报送进度.xlsx 中）。"""
    chosen = _period(period) if period else None

    def body() -> None:
        from rich.console import Console

        from flows.status import period_progress
        from rtr.reporting.progress import progress_table

        setup = load_setup(config, Overrides(db=db, roster=roster))
        p = chosen or latest_ended(setup.today)
        with open_store(setup.config) as store:
            progress = period_progress(setup, store, p)
        Console(width=120).print(progress_table(progress))

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows remind --period 2024H1")
def remind(
    period: Annotated[str | None, typer.Option(help="报告期，如 2024H1（默认：正在收集的半年）")] = None,
    db: DbOpt = None,
    roster: RosterOpt = None,
    config: ConfigOpt = Path("config.toml"),
) -> None:
    """发送今天到期的提醒（见 [deadline]）：给尚未报送和被退回的律所；截止后给各地市发未报送名单。已发过的不再重复。"""
    chosen = _period(period) if period else None

    def body() -> None:
        from flows.firm_mail import require_firm_mail, send_reminders

        setup = load_setup(config, Overrides(db=db, roster=roster))
        require_firm_mail(setup, "reminders")
        p = chosen or latest_ended(setup.today)
        with open_store(setup.config) as store:
            mailing = send_reminders(setup, store, p, announce=typer.echo)
        _finish_mailing(mailing)

    _guarded(body)


@app.command(epilog="示例 example:  python -m flows serve --config config.toml")
def serve(config: ConfigOpt = Path("config.toml")) -> None:
    """常驻运行：定时扫描收件文件夹，并按计划（默认 1 月 10 日和 7 月 10 日 9:00）生成和发送半年报告。需要 Prefect 服务器。"""

    def body() -> None:
        from flows.serve import serve_forever
        from rtr.schedule import next_report_runs

        setup = load_setup(config, with_roster=False)
        if not prefect_api_url():
            raise ConfigError(
                "serve 需要 Prefect 服务器：请先运行 prefect server start，并设置 PREFECT_API_URL"
                "（如 export PREFECT_API_URL=http://127.0.0.1:4200/api），见 README“常驻运行”"
            )
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


def _usage_error(exc: usage.UsageError) -> str:
    """click's English usage errors as one Chinese line."""
    if isinstance(exc, usage.NoSuchOption):
        near = f"（是否想写 {exc.possibilities[0]}？）" if exc.possibilities else ""
        return f"没有这个选项：{exc.option_name}{near}。用 --help 查看可用的选项"
    if isinstance(exc, usage.MissingParameter):
        name = exc.param.opts[0] if exc.param is not None and getattr(exc.param, "opts", None) else "参数"
        return f"缺少 {name}：用 --help 查看示例"
    if isinstance(exc, usage.BadParameter):
        name = exc.param.opts[0] if exc.param is not None and getattr(exc.param, "opts", None) else "参数"
        return f"{name} 的值不正确：{_chinese_reason(exc.message)}"
    text = exc.format_message()
    if text.startswith("No such command"):
        command = text.split("'")[1] if "'" in text else text
        return f"没有这个命令：{command}。可用的命令见 python -m flows --help"
    if "requires an argument" in text:
        return f"{text.split()[1] if len(text.split()) > 1 else '选项'} 后面缺少值：用 --help 查看示例"
    if "unexpected extra argument" in text:
        extra = text.split("(", 1)[-1].rstrip(")") if "(" in text else text
        return f"多余的参数：{extra}（选项要写成 --名称 值，用 --help 查看示例）"
    return f"命令行参数错误：{text}（用 --help 查看示例）"


def _chinese_reason(message: str) -> str:
    lowered = message.lower()
    if "integer" in lowered:
        return "应为整数"
    if "number" in lowered or "float" in lowered:
        return "应为数字"
    if "range" in lowered or "greater than" in lowered or "less than" in lowered:
        return f"超出允许的范围（{message}）"
    return message


def main(argv: list[str] | None = None) -> None:
    # Staff read our one-line results; Prefect's run logs (and their tracebacks) still reach the
    # Prefect API and UI, but not this terminal. Set PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL=INFO to see them;
    # RTR_LOG_LEVEL=INFO shows the steps of a run without a Prefect server.
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    os.environ.setdefault("PREFECT_INTERNAL_LOGGING_LEVEL", "CRITICAL")  # its workers' complaints, too
    logging.raiseExceptions = False  # Prefect's log shipper prints "--- Error logging to API ---" otherwise
    if "serve" not in (argv if argv is not None else sys.argv[1:]):
        # A typed command whose server goes away fails at once (ServerWatch), rather than after
        # Prefect's client retried each call for a minute; `serve` rides out a server restart.
        os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "0")
    level = os.environ.get("RTR_LOG_LEVEL", "").upper()
    if level:
        logging.basicConfig(level=level, format="%(asctime)s %(message)s", stream=sys.stderr)
    command = typer.main.get_command(app)
    try:
        code = command.main(args=argv, prog_name="python -m flows", standalone_mode=False)
    except usage.NoArgsIsHelpError as exc:  # `python -m flows` alone: the help, not an error
        typer.echo(exc.ctx.get_help() if exc.ctx else "")
        sys.exit(0)
    except usage.UsageError as exc:
        typer.secho(_usage_error(exc), err=True, fg=typer.colors.RED)
        sys.exit(2)
    except typer.Abort:
        typer.secho("已中断。", err=True, fg=typer.colors.RED)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
