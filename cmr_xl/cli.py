"""The `cmr-xl` command: a thin layer over the engine and the workbook adapter.

No rule lives here. Bad input of any kind is an InputError, printed as one message that
names the file and line (or sheet and cell) with what to do, and exit status 2.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from cmr_xl import __version__
from cmr_xl.engine.criteria import Criteria, criterion_specs, load_criteria_file
from cmr_xl.engine.dates import AS_OF_EARLIEST, AS_OF_LATEST
from cmr_xl.engine.errors import InputError
from cmr_xl.engine.output_set import OutputSet, check_folder, check_input, output_set

BYTES_PER_ROW_ESTIMATE = 400


def _fail(error: InputError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(2)


class Cli(click.Group):
    """Turns InputError into a clear message and exit 2; never a traceback for input."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as error:
            _fail(error)
        except KeyboardInterrupt as error:  # output_set's Interrupted says what was replaced
            click.echo(f"{getattr(error, 'word', 'interrupted')}: "
                       f"{getattr(error, 'report', 'nothing was replaced')}", err=True)
            sys.exit(getattr(error, "exit_status", 130))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as error:  # noqa: BLE001 - last line of defence for users
            if os.environ.get("CMR_XL_DEBUG"):
                traceback.print_exc()
            click.echo(f"internal error: {type(error).__name__}: {error}. "
                       "Set CMR_XL_DEBUG=1 for details and report it.", err=True)
            sys.exit(1)


def _as_of(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None
    if not AS_OF_EARLIEST <= day <= AS_OF_LATEST:
        raise click.BadParameter(f"{value} is outside the dates cmr-xl supports "
                                 f"({AS_OF_EARLIEST} to {AS_OF_LATEST})")
    return day


@click.group(cls=Cli)
@click.version_option(__version__, prog_name="cmr-xl")
def cli() -> None:
    """Clear My Record for Excel: Prop 64 (HS 11361.8) relief determinations from a CA DOJ
    research file, for District Attorney offices."""


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=argv, prog_name="cmr-xl")


# --- criteria -------------------------------------------------------------------------


def load_criteria(path: str | None, as_of: date | None) -> tuple[Criteria, list[Criteria]]:
    """Criteria from a YAML/JSON/BEAR file or a workbook's Criteria sheet; defaults
    otherwise. --as-of wins over the file's date."""
    if path is None:
        criteria = Criteria(as_of=as_of) if as_of else Criteria()
        return criteria, []
    check_input(path)
    if Path(path).suffix.lower() in (".xlsx", ".xlsm"):
        from cmr_xl.workbook.reader import read_criteria

        criteria = read_criteria(path)
        if as_of:
            criteria = criteria.with_changes(as_of=as_of.isoformat())
        return criteria, []
    return load_criteria_file(path, as_of=as_of)


@contextmanager
def progress_bar(paths: Sequence[str], label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal; silent when output goes to a file or a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    total = sum(Path(p).stat().st_size for p in paths if Path(p).exists())
    with click.progressbar(length=max(total // BYTES_PER_ROW_ESTIMATE, 1), label=label,
                           file=sys.stderr, show_pos=True) as bar:
        yield bar.update


# --- commands -------------------------------------------------------------------------


@cli.command()
@click.option("--county", required=True, help="County whose DA runs the review, e.g. SACRAMENTO.")
@click.option("--people", type=click.IntRange(1, 1_000_000), required=True,
              help="How many people (RAP sheets), up to 1,000,000 (about 92 million rows).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
@click.option("--no-header", is_flag=True, help="Write the file without its header line.")
def generate(county: str, people: int, seed: int, out: str, no_header: bool) -> None:
    """Write a synthetic DOJ research file (never real data), reproducible by seed."""
    from cmr_xl.engine.synthetic import generate_doj_file

    with _outputs([out]):
        made = generate_doj_file(out, county=county, people=people, seed=seed,
                                 header=not no_header)
    click.echo(f"wrote {made.path}: {made.rows:,} rows for {made.people:,} people "
               f"({made.county}, seed {made.seed})")


@cli.command()
@click.argument("doj_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--county", required=True, help="Only this county's Prop 64 convictions are determined.")
@click.option("--as-of", callback=_as_of, required=True, help="Date eligibility is computed at, YYYY-MM-DD.")
@click.option("--criteria", "criteria_path", type=click.Path(dir_okay=False),
              help="YAML/JSON criteria, a BEAR eligibility_options.json, or a workbook (.xlsx).")
@click.option("--workbook", type=click.Path(dir_okay=False), help="Write a filled workbook here.")
@click.option("--csv-dir", type=click.Path(file_okay=False),
              help="Write prop64_results.csv, summary.json, rejected_rows.csv and "
              "set_aside_convictions.csv here.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of the table.")
def run(doj_files: tuple[str, ...], county: str, as_of: date, criteria_path: str | None,
        workbook: str | None, csv_dir: str | None, as_json: bool) -> None:
    """Determine every Prop 64 conviction in COUNTY from one or more DOJ files."""
    inputs = [*doj_files, *([criteria_path] if criteria_path else [])]
    with _outputs(_run_targets(workbook, csv_dir), inputs):
        criteria, scenarios = load_criteria(criteria_path, as_of)
        result = _run(doj_files, county, criteria, scenarios)
        rejected = len(result.accounting.rejects)
        if rejected and not csv_dir:
            from cmr_xl.engine.csv_bundle import REJECTS_CSV

            click.echo(f"note: the {rejected:,} rejected line(s), with their line numbers and "
                       f"reasons, are written only with --csv-dir DIR (to {REJECTS_CSV}): run "
                       "again with it to see them", err=True)
        _warn_set_aside(result, csv_dir)
        _write_outputs(result, workbook, csv_dir)
    _print_summary(result, as_json)


def _warn_set_aside(result: Any, csv_dir: str | None) -> None:
    """Convictions naming HS 11357-11360 that get no determination are never silent."""
    from cmr_xl.engine.csv_bundle import SET_ASIDE_CSV

    count = len(result.set_aside)
    if not count:
        return
    reasons = "; ".join(f"{reason.lower()}: {n:,}"
                        for reason, n in result.accounting.set_aside.items())
    where = (f"listed with file, line and why in {Path(csv_dir) / SET_ASIDE_CSV}" if csv_dir
             else f"run again with --csv-dir DIR to list them, with file, line and why, "
                  f"in {SET_ASIDE_CSV}")
    click.echo(f"warning: {count:,} conviction(s) naming HS 11357-11360 were set aside, not "
               f"determined ({reasons}); {where}", err=True)


def _run_targets(workbook: str | None, csv_dir: str | None) -> list[Path]:
    from cmr_xl.engine.csv_bundle import bundle_paths

    return [*(bundle_paths(csv_dir) if csv_dir else []), *([Path(workbook)] if workbook else [])]


@contextmanager
def _outputs(targets: Sequence[str | Path], inputs: Sequence[str | Path] = ()
             ) -> Iterator[OutputSet]:
    """The command's output set (checked and locked now, replaced together at the end);
    its notes on stderr, then what it replaced."""
    with output_set(targets, inputs=inputs, note=_note) as outputs:
        yield outputs
    for path in outputs.replaced:
        click.echo(f"wrote {path}", err=True)


def _run(paths: Sequence[str], county: str, criteria: Criteria,
         scenarios: Sequence[Criteria]) -> Any:
    from cmr_xl.engine.pipeline import run as run_pipeline

    with progress_bar(paths, "Reading DOJ file") as update:
        result = run_pipeline(list(paths), county, criteria, scenarios, progress=update)
    # what the reader repaired, rejected or found odd: said on the terminal, not only in
    # summary.json and on the workbook's About sheet
    for note in result.accounting.notes:
        click.echo(f"note: {note}", err=True)
    return result


def _note(text: str) -> None:
    click.echo(f"note: {text}", err=True)


def _write_outputs(result: Any, workbook: str | None, csv_dir: str | None) -> None:
    if csv_dir:
        from cmr_xl.engine.csv_bundle import write_csv_bundle

        write_csv_bundle(result, csv_dir)
    if workbook:
        from cmr_xl.workbook.writer import write_workbook

        write_workbook(result, workbook)


def _print_summary(result: Any, as_json: bool) -> None:
    from cmr_xl.engine.csv_bundle import summary_document
    from cmr_xl.engine.report import summary_text

    if as_json:
        import json

        click.echo(json.dumps(summary_document(result), indent=2, default=str))
    else:
        click.echo(summary_text(result.summary))


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default="cmr-xl-demo",
              show_default=True, help="Folder for the synthetic file, workbook and CSVs.")
@click.option("--people", type=click.IntRange(1, 1_000_000), default=2000, show_default=True)
def demo(out: str, people: int) -> None:
    """Make a synthetic county file, run it with default criteria, write a filled
    workbook and the CSV bundle, print the summary. Offline; no real data."""
    from cmr_xl.engine.synthetic import generate_doj_file

    folder = Path(out)
    doj = folder / "synthetic_doj_sacramento.csv"
    book = folder / "cmr-xl-sacramento.xlsx"
    with _outputs(_run_targets(str(book), str(folder)), [doj]):
        made = generate_doj_file(doj, county="SACRAMENTO", people=people, seed=64)
        click.echo(f"synthetic DOJ file: {doj} ({made.rows:,} rows, {made.people:,} people)",
                   err=True)
        criteria = Criteria()
        scenario = criteria.with_changes(name="Dismiss all HS 11359 felonies",
                                         felony_11359="dismiss")
        result = _run([str(doj)], "SACRAMENTO", criteria, [scenario])
        _warn_set_aside(result, str(folder))
        _write_outputs(result, str(book), str(folder))
    _print_summary(result, as_json=False)


@cli.command()
@click.argument("doj_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--county", required=True)
@click.option("--as-of", callback=_as_of, required=True)
@click.option("--criteria", "criteria_path", type=click.Path(dir_okay=False))
@click.option("--cii", help="Only this person's convictions (CII number).")
@click.option("--case", "case_number", help="Only convictions with this case number.")
def explain(doj_files: tuple[str, ...], county: str, as_of: date, criteria_path: str | None,
            cii: str | None, case_number: str | None) -> None:
    """Show why each conviction got its determination: the checks, in order."""
    criteria, _ = load_criteria(criteria_path, as_of)
    result = _run(doj_files, county, criteria, [])
    facts, determined = result.facts, result.determinations
    chosen = result.shown()
    if cii:
        chosen &= facts["cii"] == cii
    if case_number:
        chosen &= facts["case_number"] == case_number
    if not chosen.any():
        raise InputError(", ".join(doj_files), "no conviction matches --cii/--case",
                         "Check the number as printed in the results")
    for index in facts.index[chosen.to_numpy()]:
        f, d = facts.loc[index], determined.loc[index]
        click.echo(f"{_shown(f['name'], 'name unknown')} (CII {_shown(f['cii'])}), case "
                   f"{_shown(f['case_number'])}, {_shown(f['code_section'], 'section unknown')} "
                   f"{_shown(f['level'])}, convicted {_day(f['conviction_date'])} "
                   f"[{f['source_file']} line {f['source_line']}]")
        click.echo(f"  offense read from {_shown(f['section_source'], 'no column')}: "
                   f"{_shown(f['offense'], 'blank')}")
        if _present(f["convicted_offense"]) and f["convicted_offense"] != f["offense"]:
            click.echo(f"  charged: {_shown(f['charge_text'], 'blank')}")
        if _present(f["reading_notes"]):
            click.echo(f"  read: {f['reading_notes']}")
        for step in str(d["trace"]).split(" > "):
            click.echo(f"  - {step}")
        click.echo(f"  => {d['determination']}: {d['reason']}\n")


def _present(value: Any) -> bool:
    """Not blank: pandas gives a blank cell as None, NaN, NA or NaT."""
    return value is not None and str(value) not in ("", "nan", "<NA>", "NaT", "None")


def _shown(value: Any, blank: str = "unknown") -> str:
    """A fact for a person to read: a blank value says so, never `nan` or `None`."""
    return str(value) if _present(value) else blank


def _day(value: Any) -> str:
    return str(value)[:10] if _present(value) else "unknown"


@cli.command(name="criteria")
@click.option("--criteria", "criteria_path", type=click.Path(dir_okay=False),
              help="Criteria file to print (defaults when absent).")
@click.option("--template", is_flag=True, help="Print a criteria YAML file with every key.")
def criteria_command(criteria_path: str | None, template: bool) -> None:
    """Print the criteria in force as plain sentences (or a YAML template)."""
    criteria, scenarios = load_criteria(criteria_path, None)
    if template:
        for spec in criterion_specs():
            value = criteria.as_mapping()[spec.key]
            click.echo(f"# {spec.label}. {spec.help}")
            if spec.choices:
                click.echo(f"# choices: {', '.join(spec.choices)}")
            click.echo(f"{spec.key}: {_yaml_value(value)}\n")
        click.echo("# What-if scenarios: a name and the criteria they change.")
        click.echo("# scenarios:\n#   Dismiss all HS 11359 felonies: {felony_11359: dismiss}")
        return
    from cmr_xl.engine.report import decision_order_lines

    click.echo(f"{criteria.name}:")
    for sentence in criteria.sentences():
        click.echo(f"  - {sentence}")
    click.echo("Checked in this order; the first that applies decides:")
    for line in decision_order_lines():
        click.echo(f"  {line}")
    for scenario in scenarios:
        click.echo(f"What-if scenario {scenario.name!r}: "
                   + "; ".join(f"{k}={v}" for k, v in scenario.as_mapping().items()
                               if v != criteria.as_mapping()[k]))


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return repr(value) if value == "" else str(value)


@cli.command()
@click.argument("book", type=click.Path(dir_okay=False))
def new(book: str) -> None:
    """Write a fresh, empty cmr-xl workbook template."""
    from cmr_xl.workbook.template import new_workbook

    if Path(book).exists():
        raise InputError(book, "already exists", "Choose another name; nothing was overwritten")
    new_workbook(book)
    click.echo(f"wrote {book}")


@cli.command()
@click.argument("book", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def recalc(book: str, as_json: bool) -> None:
    """Re-apply the Criteria cells of a saved workbook: rewrite Results, Summary, About."""
    from cmr_xl.engine.report import summary_text
    from cmr_xl.workbook.recalc import recalc_workbook

    notes: list[str] = []
    with output_set([book], note=_note):
        summary = recalc_workbook(book, notes=notes)
    for note in notes:  # what the checks of the workbook found (also on About)
        click.echo(f"note: {note}", err=True)
    if as_json:
        import json

        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        click.echo(summary_text(summary))


@cli.command()
@click.argument("book", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), required=True)
def export(book: str, out: str) -> None:
    """Write one macro-free court copy per court from a filled workbook."""
    from cmr_xl.workbook.court_copies import export_court_copies

    check_folder(out)
    notes: list[str] = []
    with output_set(inputs=[book], note=_note):
        written = export_court_copies(book, out, notes=notes)
    for path in written:
        click.echo(f"wrote {path}")
    for note in notes:
        click.echo(f"note: {note}", err=True)


# --- cmr-xl serve (xlwings Server; the `server` extra) -----------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 127.0.0.1 keeps it on this machine (put HTTPS in front).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False),
              help="HTTPS certificate (PEM); with --keyfile. Office.js add-ins need HTTPS.")
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), help="HTTPS private key (PEM).")
@click.option("--env-file", type=click.Path(dir_okay=False),
              help="xlwings Server settings (XLWINGS_*), e.g. addin/xlwings-server/env.example.")
@click.option("--cors-origin", "cors_origins", multiple=True,
              help="Origin allowed to call the server from another site (repeat); none by default.")
def serve(host: str, port: int, certfile: str | None, keyfile: str | None, env_file: str | None,
          cors_origins: tuple[str, ...]) -> None:
    """Run xlwings Server with cmr-xl's functions, scripts, task pane and ribbon."""
    from cmr_xl.server.app import serve as run_server

    run_server(host, port, certfile=certfile, keyfile=keyfile, env_file=env_file,
               cors_origins=cors_origins)


if __name__ == "__main__":
    main()
