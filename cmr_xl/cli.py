"""The `cmr-xl` command: a thin layer over the engine and the workbook adapter.

No rule lives here. Bad input of any kind is an InputError, printed as one message that
names the file and line (or sheet and cell) with what to do, and exit status 2.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import pandas as pd

from cmr_xl import __version__
from cmr_xl.common.errors import InputError
from cmr_xl.common.inputs import check_input
from cmr_xl.engine.criteria_files import load_criteria_file
from cmr_xl.output.output_set import OutputSet, check_folder, output_set
from cmr_xl.rules.criteria import DATE_RANGE, Criteria, criterion_specs

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
    first, last = DATE_RANGE  # as the criteria and the workbook take them
    if not first <= day <= last:
        raise click.BadParameter(f"{value} is outside the dates cmr-xl supports "
                                 f"({first} to {last})")
    if day > date.today():
        click.echo(f"warning: --as-of {day} is in the future: ages, years since conviction "
                   "and sentences still being served are computed as of that day, not today "
                   "(the statewide review date was 2020-07-01)", err=True)
    return day


def _xlsx(_ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A workbook path must end in .xlsx: anything else would be a workbook Excel refuses
    to open under that name (or a CSV overwritten with a zip)."""
    if value is not None and Path(value).suffix.lower() != ".xlsx":
        option = param.opts[0] if param.opts and param.opts[0].startswith("-") else "BOOK"
        raise InputError(
            value, f"is not a workbook name ({option}): a cmr-xl workbook is an Excel .xlsx "
            "file", f"Name it {Path(value).with_suffix('.xlsx').name!r}"
            + (" (the CSV files are written with --csv-dir DIR)"
               if Path(value).suffix.lower() == ".csv" else "") + "; nothing was written")
    return value


def _saved_book(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A saved workbook: .xlsx, or .xlsm as the classic add-in saves one."""
    if value is not None and Path(value).suffix.lower() == ".xlsm":
        return value
    return _xlsx(ctx, param, value)


def _examples(*lines: str) -> str:
    """A command's epilog: examples shown by --help, kept as written (\b)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


@click.group(cls=Cli, epilog=_examples(
    "cmr-xl demo",
    "cmr-xl run doj.csv --county SACRAMENTO --as-of 2020-07-01 --workbook sac.xlsx",
    "cmr-xl recalc sac.xlsx",
    "cmr-xl export sac.xlsx --out court --per court",
    "cmr-xl COMMAND --help   (each command's options and examples)"))
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


class Progress:
    """One bar for a whole command on a terminal: reading the DOJ file fills READ_SHARE
    of it (rows counted against an estimate from the file size, never past its share),
    determining and each output written the rest, and it ends at 100% when the command's
    work is done. Silent (every call does nothing) when stderr is a file or a pipe."""

    STEPS = 1000
    READ_SHARE = 0.7

    def __init__(self, bar: Any, rows_estimate: int, outputs: int) -> None:
        self.bar, self.rows_estimate = bar, max(rows_estimate, 1)
        self.read_end = int(self.STEPS * self.READ_SHARE)
        self.step = (self.STEPS - self.read_end) // (outputs + 1)  # determining, then outputs
        self.rows = self.parts = 0

    def read(self, rows: int) -> None:
        """`rows` more rows read (the pipeline's progress callback)."""
        self.rows += rows
        self._to(min(self.read_end * self.rows // self.rows_estimate, self.read_end - 1))

    def determining(self) -> None:
        """Every file is read: the bar says the rules are at work."""
        if self.bar is not None:
            self.bar.label = "Determining"
        self._to(self.read_end)

    def done(self, label: str) -> None:
        """A part of the work is over; `label` names the next one."""
        self.parts += 1
        if self.bar is not None:
            self.bar.label = label
        self._to(self.read_end + self.parts * self.step)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.label = "Done"
            self._to(self.STEPS)

    def _to(self, position: int) -> None:
        if self.bar is not None and position > self.bar.pos:
            self.bar.update(min(position, self.STEPS) - self.bar.pos)


@contextmanager
def progress_bar(paths: Sequence[str], label: str, outputs: int = 0) -> Iterator[Progress]:
    """A Progress over reading `paths` and writing `outputs` outputs; a bar only when
    stderr is a terminal."""
    if not sys.stderr.isatty():
        yield Progress(None, 1, outputs)
        return
    total = sum(Path(p).stat().st_size for p in paths if Path(p).exists())
    with click.progressbar(length=Progress.STEPS, label=label, file=sys.stderr,
                           show_percent=True, show_pos=False, show_eta=False) as bar:
        progress = Progress(bar, total // BYTES_PER_ROW_ESTIMATE, outputs)
        yield progress
        progress.finish()


# --- commands -------------------------------------------------------------------------


@cli.command(epilog=_examples(
    "cmr-xl generate --county SACRAMENTO --people 2000 --seed 64 --out sac.csv",
    "cmr-xl generate --county YOLO --people 100 --out yolo.csv --no-header"))
@click.option("--county", required=True, help="County whose DA runs the review, e.g. SACRAMENTO.")
@click.option("--people", type=click.IntRange(1, 1_000_000), required=True,
              help="How many people (RAP sheets), up to 1,000,000 (about 92 million rows).")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed, county and people give the same file.")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="The DOJ research file (CSV) to write.")
@click.option("--no-header", is_flag=True, help="Write the file without its header line.")
def generate(county: str, people: int, seed: int, out: str, no_header: bool) -> None:
    """Write a synthetic DOJ research file (never real data), reproducible by seed."""
    from cmr_xl.synthetic import generate_doj_file

    with _outputs([out]):
        made = generate_doj_file(out, county=county, people=people, seed=seed,
                                 header=not no_header)
    click.echo(f"wrote {made.path}: {made.rows:,} rows for {made.people:,} people "
               f"({made.county}, seed {made.seed})")


@cli.command(epilog=_examples(
    "cmr-xl run doj.csv --county SACRAMENTO --as-of 2020-07-01 --workbook sac.xlsx",
    "cmr-xl run part1.csv part2.csv --county SACRAMENTO --as-of 2020-07-01 --csv-dir out",
    "cmr-xl run doj.csv --county SACRAMENTO --as-of 2020-07-01 --criteria ours.yaml --json"))
@click.argument("doj_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--county", required=True, help="Only this county's Prop 64 convictions are determined.")
@click.option("--as-of", callback=_as_of, required=True, help="Date eligibility is computed at, YYYY-MM-DD.")
@click.option("--criteria", "criteria_path", type=click.Path(dir_okay=False),
              help="YAML/JSON criteria, a BEAR eligibility_options.json, or a workbook (.xlsx).")
@click.option("--workbook", type=click.Path(dir_okay=False), callback=_xlsx,
              help="Write a filled workbook (.xlsx) here.")
@click.option("--csv-dir", type=click.Path(file_okay=False),
              help="Write prop64_results.csv, summary.json, summary.pdf (one page for the "
              "court), rejected_rows.csv and set_aside_convictions.csv here.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of the table.")
def run(doj_files: tuple[str, ...], county: str, as_of: date, criteria_path: str | None,
        workbook: str | None, csv_dir: str | None, as_json: bool) -> None:
    """Determine every Prop 64 conviction in the county from DOJ_FILES (one or more DOJ
    research files of that county, read as one)."""
    inputs = [*doj_files, *([criteria_path] if criteria_path else [])]
    with _outputs(_run_targets(workbook, csv_dir), inputs):
        criteria, scenarios = load_criteria(criteria_path, as_of)
        result = _run_and_write(doj_files, county, criteria, scenarios, workbook, csv_dir)
        rejected = len(result.accounting.rejects)
        if rejected and not csv_dir:
            from cmr_xl.output.csv_bundle import REJECTS_CSV

            click.echo(f"note: the {rejected:,} rejected line(s), with their line numbers and "
                       f"reasons, are written only with --csv-dir DIR (to {REJECTS_CSV}): run "
                       "again with it to see them", err=True)
        _warn_set_aside(result, csv_dir)
    _print_summary(result, as_json)


def _warn_set_aside(result: Any, csv_dir: str | None) -> None:
    """Convictions naming HS 11357-11360 that get no determination are never silent."""
    from cmr_xl.output.csv_bundle import SET_ASIDE_CSV

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
    from cmr_xl.output.csv_bundle import bundle_paths
    from cmr_xl.output.pdf_summary import SUMMARY_PDF

    return [*(bundle_paths(csv_dir) if csv_dir else []),
            *([Path(csv_dir) / SUMMARY_PDF] if csv_dir else []),
            *([Path(workbook)] if workbook else [])]


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
         scenarios: Sequence[Criteria], progress: Progress | None = None) -> Any:
    """The pipeline's run with `progress` (the command's bar), or a bar of its own and the
    reader's notes said when it is done."""
    from cmr_xl.engine.pipeline import run as run_pipeline

    own = progress is None
    with progress_bar(paths, "Reading DOJ file") if own else nullcontext(progress) as bar:
        result = run_pipeline(list(paths), county, criteria, scenarios, progress=bar.read,
                              read_done=bar.determining)
    if own:
        _say_notes(result)
    return result


def _say_notes(result: Any) -> None:
    """What the reader repaired, rejected or found odd: said on the terminal, not only in
    summary.json and on the workbook's About sheet."""
    for note in result.accounting.notes:
        _note(note)


def _run_and_write(paths: Sequence[str], county: str, criteria: Criteria,
                   scenarios: Sequence[Criteria], workbook: str | None,
                   csv_dir: str | None) -> Any:
    """Read, determine and write the outputs under one progress bar that ends at 100%
    when the last output is written; the reader's notes follow the bar."""
    outputs = bool(csv_dir) + bool(workbook)
    with progress_bar(paths, "Reading DOJ file", outputs=outputs) as progress:
        result = _run(paths, county, criteria, scenarios, progress)
        written = _write_outputs(result, workbook, csv_dir, progress)
    _say_notes(result)
    for note in written:  # text changed to fit the workbook (also on About)
        _note(note)
    return result


def _note(text: str) -> None:
    click.echo(f"note: {text}", err=True)


def _write_outputs(result: Any, workbook: str | None, csv_dir: str | None,
                   progress: Progress | None = None) -> list[str]:
    """Write the outputs; the notes the workbook writer added to About."""
    say = progress.done if progress else (lambda _label: None)
    notes: list[str] = []
    if csv_dir:
        from cmr_xl.output.csv_bundle import summary_document, write_csv_bundle
        from cmr_xl.output.pdf_summary import SUMMARY_PDF, write_summary_pdf

        say("Writing CSV files")
        write_csv_bundle(result, csv_dir)
        write_summary_pdf(summary_document(result), Path(csv_dir) / SUMMARY_PDF)
    if workbook:
        from cmr_xl.workbook.writer import write_workbook

        say("Writing workbook")
        write_workbook(result, workbook, notes=notes)
    return notes


def _print_summary(result: Any, as_json: bool) -> None:
    from cmr_xl.output.csv_bundle import summary_document
    from cmr_xl.output.report import summary_text

    if as_json:
        import json

        click.echo(json.dumps(summary_document(result), indent=2, default=str))
    else:
        click.echo(summary_text(result.summary))


@cli.command(epilog=_examples("cmr-xl demo", "cmr-xl demo --out /tmp/demo --people 500"))
@click.option("--out", "out", type=click.Path(file_okay=False), default="cmr-xl-demo",
              show_default=True, help="Folder for the synthetic file, workbook and CSVs.")
@click.option("--people", type=click.IntRange(1, 1_000_000), default=2000, show_default=True,
              help="How many synthetic people (RAP sheets) to make.")
def demo(out: str, people: int) -> None:
    """Make a synthetic county file, run it with default criteria, write a filled
    workbook and the CSV bundle, print the summary. Offline; no real data."""
    from cmr_xl.synthetic import generate_doj_file

    folder = Path(out)
    doj = folder / "synthetic_doj_sacramento.csv"
    book = folder / "cmr-xl-sacramento.xlsx"
    with _outputs([doj]):  # the synthetic file is written first: the run reads it
        made = generate_doj_file(doj, county="SACRAMENTO", people=people, seed=64)
    click.echo(f"synthetic DOJ file: {doj} ({made.rows:,} rows, {made.people:,} people)",
               err=True)
    with _outputs(_run_targets(str(book), str(folder)), [doj]):
        criteria = Criteria()
        scenario = criteria.with_changes(name="Dismiss all HS 11359 felonies",
                                         felony_11359="dismiss")
        result = _run_and_write([str(doj)], "SACRAMENTO", criteria, [scenario], str(book),
                                str(folder))
        _warn_set_aside(result, str(folder))
    _print_summary(result, as_json=False)


@cli.command(epilog=_examples(
    "cmr-xl explain doj.csv --county SACRAMENTO --as-of 2020-07-01 --cii 12345678",
    "cmr-xl explain doj.csv --county SACRAMENTO --as-of 2020-07-01 --case 98F01234"))
@click.argument("doj_files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--county", required=True, help="Only this county's Prop 64 convictions.")
@click.option("--as-of", callback=_as_of, required=True,
              help="Date eligibility is computed at, YYYY-MM-DD.")
@click.option("--criteria", "criteria_path", type=click.Path(dir_okay=False),
              help="YAML/JSON criteria, a BEAR eligibility_options.json, or a workbook (.xlsx).")
@click.option("--cii", help="Only this person's convictions (CII number).")
@click.option("--case", "case_number", help="Only convictions with this case number.")
def explain(doj_files: tuple[str, ...], county: str, as_of: date, criteria_path: str | None,
            cii: str | None, case_number: str | None) -> None:
    """Show why each conviction in DOJ_FILES got its determination: the checks, in
    order."""
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
        from cmr_xl.engine.pipeline import trace_steps

        for step in trace_steps(d["trace"]):
            click.echo(f"  - {step}")
        click.echo(f"  => {d['determination']}: {d['reason']}\n")


def _present(value: Any) -> bool:
    """Not blank: pandas gives a blank cell as None, NaN, NA or NaT (a text reading
    'None' or 'nan' is a value, shown as it is); an empty text is blank too."""
    return not pd.isna(value) and str(value) != ""


def _shown(value: Any, blank: str = "unknown") -> str:
    """A fact for a person to read: a blank value says so, never `nan` or `None`."""
    return str(value) if _present(value) else blank


def _day(value: Any) -> str:
    return str(value)[:10] if _present(value) else "unknown"


@cli.command(name="criteria", epilog=_examples(
    "cmr-xl criteria", "cmr-xl criteria --criteria ours.yaml",
    "cmr-xl criteria --template > ours.yaml"))
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
    from cmr_xl.output.report import decision_order_lines

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


@cli.command(epilog=_examples("cmr-xl new sacramento.xlsx"))
@click.argument("book", type=click.Path(dir_okay=False), callback=_xlsx)
def new(book: str) -> None:
    """Write a fresh, empty cmr-xl workbook template to BOOK (.xlsx)."""
    from cmr_xl.workbook.template import new_workbook

    if Path(book).exists():
        raise InputError(book, "already exists", "Choose another name; nothing was overwritten")
    new_workbook(book)
    click.echo(f"wrote {book}")


@cli.command(epilog=_examples("cmr-xl recalc sacramento.xlsx",
                             "cmr-xl recalc sacramento.xlsx --json"))
@click.argument("book", type=click.Path(exists=True, dir_okay=False), callback=_saved_book)
@click.option("--json", "as_json", is_flag=True,
              help="Print summary.json's figures instead of the table.")
def recalc(book: str, as_json: bool) -> None:
    """Re-apply the Criteria cells of BOOK, a saved workbook: rewrite Results, Summary,
    About."""
    from cmr_xl.output.report import summary_text
    from cmr_xl.workbook.recalc import recalc_workbook

    notes: list[str] = []
    with output_set([book], note=_note):
        summary = recalc_workbook(book, notes=notes)
    _say_recalculated(book, summary)
    for note in notes:  # what the checks of the workbook found (also on About)
        _note(note)
    if as_json:
        import json

        click.echo(json.dumps(summary, indent=2, default=str))
    else:
        click.echo(summary_text(summary))


def _say_recalculated(book: str, summary: dict[str, Any]) -> None:
    """What recalc wrote, in words (on stderr, so that --json stays one document)."""
    counted = sum((summary.get("chosen") or {}).get("determinations", {}).values())
    criteria = (summary.get("criteria") or {}).get("name", "the workbook's criteria")
    click.echo(f"wrote {book}: {counted:,} Prop 64 conviction(s) determined again under "
               f"{criteria!r} as of {summary.get('as_of', 'the workbook date')}; rewrote the "
               "Results determinations, the Summary, the About sheet and the Criteria "
               "sheet's 'Used in the results' column; kept everything else", err=True)


@cli.command(epilog=_examples(
    "cmr-xl export sacramento.xlsx --out court",
    "cmr-xl export sacramento.xlsx --out court --per county"))
@click.argument("book", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out", type=click.Path(file_okay=False), required=True,
              help="Folder for the court copies, AB 1793 notices and summary.pdf.")
@click.option("--per", type=click.Choice(["court", "county"]), default="court",
              show_default=True,
              help="One file per court (historic court codes of one court together) or one "
              "for the whole county.")
@click.option("--send-pending", is_flag=True,
              help="Send Hand review convictions that have no DA decision as 'Pending DA "
              "review' (without it, export refuses and names their cells).")
def export(book: str, out: str, per: str, send_pending: bool) -> None:
    """Write court copies and AB 1793 notices (HS 11361.9(b)-(c)), macro-free and values
    only, and summary.pdf, a one-page summary, from BOOK, a filled workbook."""
    from cmr_xl.workbook.court_copies import export_for_courts

    check_folder(out)
    notes: list[str] = []
    with output_set(inputs=[book], note=_note):
        written = export_for_courts(book, out, per=per, send_pending=send_pending, notes=notes)
    for path in written:
        click.echo(f"wrote {path}")
    for note in notes:
        _note(note)



# --- cmr-xl serve (xlwings Server; the `server` extra) -----------------------------------


@cli.command(epilog=_examples(
    "cmr-xl serve",
    "cmr-xl serve --host 0.0.0.0 --port 8443 --certfile cert.pem --keyfile key.pem"))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 127.0.0.1 keeps it on this machine (put HTTPS in front).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port to listen on.")
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
