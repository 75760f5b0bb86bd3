"""The add-in's Court copies scripts write what `cmr-xl export` writes: court copies, AB
1793 notices and summary.pdf, file for file (classic Windows add-in here: the script's
Python beside the saved workbook; xlwings Lite in test_lite.py, xlwings Server in
test_server.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner
from python_calamine import CalamineWorkbook
from workbook_helpers import county_book

from cmr_xl.cli import cli
from cmr_xl.xlwings_app import scripts

#: About rows that differ by design: when the file was made, and the source workbook's
#: size and hash (Lite makes its files from the values the add-in sends, not the file).
VARYING = ("Court copy exported (UTC)", "Source workbook SHA-256", "Source workbook size (bytes)")


def timeless(rows: list[list]) -> list[list]:
    return [row for row in rows if not (row and (row[0] in VARYING or str(row[0]).endswith(
        "(UTC)")))]


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()


def assert_same_files(got: Path, want: Path) -> list[str]:
    """`got` holds exactly `want`'s files: every workbook sheet for sheet (times left out),
    summary.pdf's text (its bytes carry the time)."""
    names = sorted(p.name for p in want.iterdir())
    assert sorted(p.name for p in got.iterdir()) == names
    for name in names:
        if name.endswith(".xlsx"):
            mine = CalamineWorkbook.from_path(str(got / name))
            theirs = CalamineWorkbook.from_path(str(want / name))
            assert mine.sheet_names == theirs.sheet_names, name
            for sheet in theirs.sheet_names:
                assert timeless(mine.get_sheet_by_name(sheet).to_python()) == timeless(
                    theirs.get_sheet_by_name(sheet).to_python()), (name, sheet)
        elif name.endswith(".pdf") and shutil.which("pdftotext"):
            assert pdf_text(got / name) == pdf_text(want / name), name
    return names


class SavedBook:
    """What the classic add-in's scripts use of xw.Book.caller(): the saved file."""

    def __init__(self, path: Path) -> None:
        self.fullname, self.name = str(path), path.name


def test_classic_court_copies_write_notices_and_summary_as_cmr_xl_export(tmp_path):
    book = county_book(tmp_path, people=120)
    done = CliRunner().invoke(cli, ["export", str(book), "--out", str(tmp_path / "cli"),
                                    "--send-pending"])
    assert done.exit_code == 0, done.output
    message = scripts.CLASSIC["export_court_copies_send_pending"](SavedBook(book))
    names = assert_same_files(tmp_path / "court-copies", tmp_path / "cli")
    assert "summary.pdf" in names and any(n.startswith("ab1793-notice_") for n in names)
    copies = sum(n.startswith("court-copy_") for n in names)
    notices = sum(n.startswith("ab1793-notice_") for n in names)
    assert message.startswith(
        f"Wrote {copies} court cop{'y' if copies == 1 else 'ies'}, {notices} AB 1793 "
        f"notice{'' if notices == 1 else 's'} and summary.pdf to {tmp_path / 'court-copies'}")
    assert "\nNote: " in message  # the Hand review rows sent as pending are named
