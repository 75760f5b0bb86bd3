"""Hostile workbooks given to `cmr-xl recalc`, `cmr-xl export` and `--criteria`: damaged
zips, zip bombs, far stray cells, a clerk's note below the Results table, formulas typed
into cells, criteria cells Excel never calculated, a deleted Lists sheet; and workbooks
written from DOJ text a workbook cannot hold. Each is exit 2 with a message naming the
file and part (or sheet and cell), or processed with a note; never another exit status.

Workbooks start from the hostile corpus's filled workbook of the clean county
(tests/hostile/build_corpus.py) and are damaged in their XML or zip bytes.
"""

from __future__ import annotations

import functools
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cmr_xl.cli import cli
from cmr_xl.workbook import layout as L

sys.path.insert(0, str(Path(__file__).parent / "hostile"))

import build_corpus as B  # noqa: E402
from workbook_helpers import county_run, libreoffice_convert, soffice  # noqa: E402

RESAVE = "Open it in Excel and save it again (Excel repairs what it can), or use a backup copy"
GOOD = B._filled_workbook()
RESULTS = B._sheet_part(GOOD, L.RESULTS)
CRITERIA = B._sheet_part(GOOD, L.CRITERIA)


def edited(part: str, edit: Callable[[bytes], bytes]) -> bytes:
    return B._rezipped(GOOD, lambda name, xml: edit(xml) if name == part else xml)


def stray(ref: str, text: str = "note") -> Callable[[bytes], bytes]:
    row = re.sub("[A-Z]+", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'
    return lambda xml: xml.replace(b"</sheetData>", cell.encode() + b"</sheetData>")


def note_below(xml: bytes) -> bytes:
    last = max(int(n) for n in re.findall(rb'<row r="([0-9]+)"', xml))
    return stray(f"A{last + 2}", "Checked by JS 2024-03-01")(xml)


def criterion_cell(key: str, inner: bytes, attrs: bytes = b"") -> bytes:
    cell = next(c for c in L.criterion_cells() if c.spec.key == key)
    pattern = re.compile(rb'<c r="' + cell.address.encode() + rb'"( s="[0-9]+")?[^>]*?(?:/>|>.*?</c>)',
                         re.S)

    def edit(xml: bytes) -> bytes:
        found = pattern.search(xml)
        assert found
        new = (b'<c r="' + cell.address.encode() + b'"' + (found.group(1) or b"") + attrs + b">"
               + inner + b"</c>")
        return xml[:found.start()] + new + xml[found.end():]

    return edited(CRITERIA, edit)


def results_formula(inner: bytes, cell: bytes = b"A3") -> bytes:
    return edited(RESULTS, lambda xml: re.sub(rb'<c r="' + cell + rb'"[^>]*?(?:/>|>.*?</c>)',
                                              b'<c r="' + cell + b'">' + inner + b"</c>", xml,
                                              count=1, flags=re.S))


def bad_crc() -> bytes:
    """The Results part's stored CRC-32 changed (local header and central directory): its
    data inflate as before and fail the check (a flipped data byte may fail to inflate)."""
    data = bytearray(GOOD)
    data[zipfile.ZipFile(io.BytesIO(GOOD)).getinfo(RESULTS).header_offset + 14] ^= 0xFF
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != RESULTS.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 16] ^= 0xFF
    return bytes(data)


@functools.cache
def zip_bomb() -> bytes:
    """Made once (300 MB deflated), for recalc and export alike."""
    return edited(RESULTS, lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + b" " * (300 << 20)))


def without_sheet(name: str) -> bytes:
    part = B._sheet_part(GOOD, name)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename == part:
                continue
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = re.sub(rb'<sheet name="' + name.encode() + rb'"[^>]*/>', b"", data)
            zout.writestr(info.filename, data)
    return out.getvalue()


REFUSED: dict[str, tuple[Callable[[], bytes], str]] = {
    "bad_crc": (bad_crc, f"book.xlsx, part {RESULTS}: is damaged (Bad CRC-32 for file "
                         f"'{RESULTS}'). {RESAVE}"),
    "truncated_zip": (lambda: GOOD[:len(GOOD) // 2],
                      "book.xlsx: is damaged: the workbook's zip package is cut short (its end is "
                      "missing, as after an interrupted copy). Copy the workbook again from where "
                      "it came, or use a backup"),
    "xml_error_in_results": (
        lambda: edited(RESULTS, lambda xml: xml.replace(b"</row>", b"</rwo>", 1)),
        f"book.xlsx, part {RESULTS}: is damaged: its XML breaks at line 2, column "),
    "doctype_in_a_part": (
        lambda: edited(CRITERIA, lambda xml: xml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "b">]>', 1)),
        f"book.xlsx, part {CRITERIA}: declares a DOCTYPE, which no workbook part has. Use the "
        "original workbook"),
    "zip_bomb": (zip_bomb, f"book.xlsx, part {RESULTS}: would inflate "),
    "far_cell_xfd5000": (
        lambda: edited(RESULTS, stray("XFD5000")),
        "book.xlsx, sheet Results, cell XFD5000: a value far outside the table makes the sheet "
        "5,000 rows by 16,384 columns (81,920,000 cells) for "),
    "far_cell_a1048576": (
        lambda: edited(RESULTS, stray("A1048576")),
        "book.xlsx, sheet Results, cell A1048576: a value far outside the table makes the sheet "
        "1,048,576 rows by "),
    "far_cell_in_criteria": (
        lambda: edited(CRITERIA, stray("XFD1048576")),
        "book.xlsx, sheet Criteria, cell XFD1048576: a value far outside the table makes the "
        "sheet 1,048,576 rows by 16,384 columns"),
    "results_formula_without_saved_value": (
        lambda: results_formula(b"<f>1+1</f>"),
        "book.xlsx, sheet Results, cell A3: holds a formula with no saved value, so cmr-xl "
        "cannot know the fact it stands for. Open the workbook in Excel or LibreOffice and save "
        "it, or type the value itself"),
}

#: Criteria cells: recalc (and --criteria) read them; export compares them with the
#: criteria the results used and refuses the cell as changed.
CRITERIA_CELLS: dict[str, tuple[Callable[[], bytes], str]] = {
    "criteria_formula_without_saved_value": (
        lambda: criterion_cell("relief_age_threshold", b"<f>40+10</f>"),
        "book.xlsx, sheet Criteria, cell C13: holds a formula with no saved value (the workbook "
        "was last saved by a program that does not calculate), so cmr-xl cannot know its value. "
        "Open the workbook in Excel or LibreOffice and save it, or type the value itself"),
    "as_of_0202_typed_in_criteria": (
        lambda: criterion_cell("as_of", b"<is><t>0202-07-01</t></is>", b' t="inlineStr"'),
        "book.xlsx, sheet Criteria, cell C5: 0202-07-01 is out of range for Eligibility as of "
        "(cmr-xl takes dates from 1900-01-01 to 2100-12-31). Use a date as YYYY-MM-DD, e.g. "
        "2020-07-01"),
    "as_of_serial_before_1900": (
        lambda: criterion_cell("as_of", b"<v>-617000</v>"),
        "book.xlsx, sheet Criteria, cell C5: 0210-09-16 is out of range for Eligibility as of"),
    "as_of_serial_1e300": (
        lambda: criterion_cell("as_of", b"<v>1e300</v>"),
        "book.xlsx, sheet Criteria, cell C5: 1e+300 is out of range (a date serial number beyond "
        "any date) for Eligibility as of"),
}


def invoke(args: list[str], folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CMR_XL_DEBUG", raising=False)
    result = CliRunner().invoke(cli, args, prog_name="cmr-xl")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize("command", ["recalc", "export"])
@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_hostile_workbook_is_refused_by_name(case: str, command: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    make, message = REFUSED[case]
    (tmp_path / "book.xlsx").write_bytes(make())
    before = (tmp_path / "book.xlsx").read_bytes()
    args = ["recalc", "book.xlsx"] if command == "recalc" else ["export", "book.xlsx", "--out",
                                                                 "courts"]
    code, stderr = invoke(args, tmp_path, monkeypatch)
    assert code == 2, stderr
    assert stderr.startswith("error: " + message), stderr
    assert (tmp_path / "book.xlsx").read_bytes() == before
    assert not list(tmp_path.glob("courts/*.xlsx"))


@pytest.mark.parametrize("case", list(CRITERIA_CELLS), ids=list(CRITERIA_CELLS))
def test_hostile_criteria_cell_is_refused_by_name(case: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    make, message = CRITERIA_CELLS[case]
    (tmp_path / "book.xlsx").write_bytes(make())
    (tmp_path / "good.csv").write_bytes(B.good())
    code, stderr = invoke(["recalc", "book.xlsx"], tmp_path, monkeypatch)
    assert (code, stderr.startswith("error: " + message)) == (2, True), stderr
    code, stderr = invoke(["run", "good.csv", "--county", "SACRAMENTO", "--criteria",
                           "book.xlsx"], tmp_path, monkeypatch)
    assert code == 2, stderr
    code, stderr = invoke(["export", "book.xlsx", "--out", "courts", "--send-pending"], tmp_path, monkeypatch)
    # one rule: export refuses what recalc refuses, with recalc's words
    assert (code, stderr.startswith("error: " + message)) == (2, True), stderr


def test_far_cell_workbook_as_criteria_is_refused(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.csv").write_bytes(B.good())
    (tmp_path / "crit.xlsx").write_bytes(edited(CRITERIA, stray("XFD1048576")))
    code, stderr = invoke(["run", "good.csv", "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                           "--criteria", "crit.xlsx"], tmp_path, monkeypatch)
    assert code == 2 and "cell XFD1048576: a value far outside the table" in stderr


def test_note_below_results_is_left_as_it_is_and_noted(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "good.xlsx").write_bytes(GOOD)
    (tmp_path / "book.xlsx").write_bytes(edited(RESULTS, note_below))
    code, _ = invoke(["recalc", "--json", "good.xlsx"], tmp_path, monkeypatch)
    assert code == 0
    code, stderr = invoke(["recalc", "--json", "book.xlsx"], tmp_path, monkeypatch)
    assert code == 0, stderr

    def figures(name: str) -> list:
        book = openpyxl.load_workbook(tmp_path / name, read_only=True, data_only=True)
        return [row for row in book[L.SUMMARY].iter_rows(values_only=True)
                if not str(row[0] or "").startswith("SACRAMENTO county")]  # the time differs

    assert figures("book.xlsx") == figures("good.xlsx")  # the note is not a conviction
    about = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True, data_only=True)[L.ABOUT]
    notes = [row[2] for row in about.iter_rows(values_only=True)
             if row[0] and str(row[0]).startswith("note.")]
    assert any(n.startswith("book.xlsx, sheet Results, cell A") and "'Checked by JS 2024-03-01' "
               "is not a conviction" in n for n in notes), notes
    with zipfile.ZipFile(tmp_path / "book.xlsx") as archive:  # the note is kept as typed
        assert b"<t>Checked by JS 2024-03-01</t>" in archive.read(RESULTS)
    code, stderr = invoke(["export", "book.xlsx", "--out", "courts", "--send-pending"], tmp_path, monkeypatch)
    assert code == 0, stderr
    cases = openpyxl.load_workbook(next((tmp_path / "courts").glob("court-copy_*.xlsx")), read_only=True)
    assert not any("Checked by JS" in str(v) for row in cases["Cases"].iter_rows(values_only=True)
                   for v in row)


def test_a_note_below_results_is_said_by_recalc_and_export_and_goes_from_about_once_removed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with zipfile.ZipFile(io.BytesIO(GOOD)) as archive:
        row = max(int(n) for n in re.findall(rb'<row r="([0-9]+)"', archive.read(RESULTS))) + 2
    (tmp_path / "book.xlsx").write_bytes(edited(RESULTS, note_below))
    said = (f"note: book.xlsx, sheet Results, cell A{row}: 'Checked by JS 2024-03-01' is not a "
            "conviction (no code section in its row); left as it is")
    for _ in range(2):  # said each time, on About once
        code, stderr = invoke(["recalc", "--json", "book.xlsx"], tmp_path, monkeypatch)
        assert code == 0 and said in stderr.splitlines(), stderr
    assert about_notes(tmp_path / "book.xlsx") == [said.removeprefix("note: ")]
    code, stderr = invoke(["export", "book.xlsx", "--out", "courts", "--send-pending"], tmp_path, monkeypatch)
    assert code == 0 and (
        f"note: book.xlsx, sheet Results, cell A{row}: 'Checked by JS 2024-03-01' is not a "
        "conviction (no code section in its row); left out of the court copies"
    ) in stderr.splitlines(), stderr
    book = openpyxl.load_workbook(tmp_path / "book.xlsx")  # the clerk deletes the note
    book[L.RESULTS][f"A{row}"] = None
    book.save(tmp_path / "book.xlsx")
    code, stderr = invoke(["recalc", "--json", "book.xlsx"], tmp_path, monkeypatch)
    assert code == 0 and "not a conviction" not in stderr, stderr
    assert about_notes(tmp_path / "book.xlsx") == []


def about_notes(path: Path) -> list[str]:
    about = openpyxl.load_workbook(path, read_only=True, data_only=True)[L.ABOUT]
    return [row[2] for row in about.iter_rows(values_only=True)
            if row[0] and str(row[0]).startswith("note.")]


def test_formula_typed_in_results_is_read_as_its_value(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # in the Name column: a changed Subject ID is another conviction (test_results_rows)
    (tmp_path / "book.xlsx").write_bytes(results_formula(b"<f>1+1</f><v>2</v>", b"C3"))
    for args in (["recalc", "book.xlsx"], ["export", "book.xlsx", "--out", "courts", "--send-pending"]):
        code, stderr = invoke(args, tmp_path, monkeypatch)
        assert code == 0, stderr


def test_deleted_lists_sheet_is_noted_by_recalc(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "book.xlsx").write_bytes(without_sheet(L.LISTS))
    code, stderr = invoke(["recalc", "--json", "book.xlsx"], tmp_path, monkeypatch)
    assert code == 0, stderr
    about = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True, data_only=True)[L.ABOUT]
    notes = [row[2] for row in about.iter_rows(values_only=True)
             if row[0] and str(row[0]).startswith("note.")]
    assert ("book.xlsx: sheet 'Lists' (where the Criteria dropdowns take their choices) is "
            "missing, so the dropdowns offer nothing; copy it from a workbook of `cmr-xl new`"
            ) in notes
    assert ("note: book.xlsx: sheet 'Lists' (where the Criteria dropdowns take their choices) "
            "is missing, so the dropdowns offer nothing; copy it from a workbook of `cmr-xl "
            "new`") in stderr.splitlines()


# --- workbooks written from text a workbook cannot hold ---------------------------------

ILLEGAL_NAME = "DOE\ufffe,JANE\x01\uffff"
LONG_TEXT = "Z" * 40_000


@pytest.fixture(scope="module")
def illegal_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cmr_xl.workbook.writer import write_workbook

    result = county_run()
    shown = result.facts.index[result.shown().to_numpy()]
    result.facts.loc[shown[0], "name"] = ILLEGAL_NAME
    result.facts.loc[shown[1], "charge_text"] = LONG_TEXT
    path = tmp_path_factory.mktemp("illegal") / "book.xlsx"
    write_workbook(result, path)
    return path


def _notes(path: Path) -> list[str]:
    about = openpyxl.load_workbook(path, read_only=True, data_only=True)[L.ABOUT]
    return [row[2] for row in about.iter_rows(values_only=True)
            if row[0] and str(row[0]).startswith("note.")]


def test_illegal_characters_are_replaced_and_long_text_cut_with_a_note(illegal_book: Path) -> None:
    book = openpyxl.load_workbook(illegal_book)  # the XML is well-formed
    sheet = book[L.RESULTS]
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Name") + 1).value == "DOE\ufffd,JANE\ufffd\ufffd"
    cut = sheet.cell(3, header.index("Charged offense") + 1).value
    assert len(cut) == 32_767 and cut.endswith("[… cut by cmr-xl: Excel cells hold 32,767 characters]")
    assert _notes(illegal_book) == [
        "book.xlsx, sheet Results: 1 cell(s) held characters a workbook cannot store (control "
        "characters, U+FFFE, U+FFFF); each was replaced by \ufffd (U+FFFD)",
        "book.xlsx, sheet Results: 1 cell(s) held more than Excel's 32,767 characters; each was "
        "cut and ends with '[… cut by cmr-xl: Excel cells hold 32,767 characters]'"]


def test_court_copies_of_it_hold_the_same_text(illegal_book: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "book.xlsx").write_bytes(illegal_book.read_bytes())
    code, stderr = invoke(["recalc", "book.xlsx"], tmp_path, monkeypatch)
    assert code == 0, stderr
    code, stderr = invoke(["export", "book.xlsx", "--out", "courts", "--send-pending"], tmp_path, monkeypatch)
    assert code == 0, stderr
    names = [v for path in (tmp_path / "courts").glob("court-copy_*.xlsx")
             for row in openpyxl.load_workbook(path)["Cases"].iter_rows(values_only=True)
             for v in row if isinstance(v, str) and v.startswith("DOE\ufffd")]
    assert names == ["DOE\ufffd,JANE\ufffd\ufffd"]


def test_run_says_on_stderr_what_it_changed_to_fit_the_workbook(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cmr-xl run` prints the writer's notes as it prints the reader's: the same lines
    as on About."""
    from rapsheet import RapSheet

    sheet = RapSheet()
    sheet.person(name=ILLEGAL_NAME).conviction("11359 HS-" + LONG_TEXT, "20100101")
    sheet.person().conviction("11357", "20100101")
    (tmp_path / "doj.csv").write_text(sheet.csv_text(), encoding="utf-8")
    code, stderr = invoke(["run", "doj.csv", "--county", "SACRAMENTO", "--as-of",
                           "2020-07-01", "--workbook", "book.xlsx"], tmp_path, monkeypatch)
    assert code == 0, stderr
    notes = [note for note in _notes(tmp_path / "book.xlsx") if note.startswith("book.xlsx")]
    assert len(notes) == 2 and "held characters a workbook cannot store" in notes[0]
    assert "more than Excel's 32,767 characters" in notes[1]
    assert [line for line in stderr.splitlines() if line.startswith("note: book.xlsx")] == [
        f"note: {note}" for note in notes]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_it_with_every_result(illegal_book: Path, tmp_path: Path) -> None:
    converted = libreoffice_convert(illegal_book, tmp_path / "out", tmp_path / "profile",
                                    recalculate=False)
    def results(path: Path) -> list:
        sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)[L.RESULTS]
        return [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]

    ours, theirs = results(illegal_book), results(converted)
    assert len(theirs) == len(ours) > 2  # LibreOffice read every result row
    assert "DOE\ufffd,JANE\ufffd\ufffd" in {v for row in theirs for v in row}


# --- property: random workbooks, exit 0 or 2 ---------------------------------------------

DAMAGES = ["flip", "cut", "stray", "drop_part", "garbage_part", "cell"]


@st.composite
def random_workbook(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(DAMAGES))
    if kind == "flip":
        data = bytearray(GOOD)
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "cut":
        return GOOD[:draw(st.integers(0, len(GOOD) - 1))]
    if kind == "stray":
        col = draw(st.integers(1, 16384))
        row = draw(st.integers(1, 1_048_576))
        letters = ""
        while col:
            col, rest = divmod(col - 1, 26)
            letters = chr(65 + rest) + letters
        part = draw(st.sampled_from([RESULTS, CRITERIA]))
        return edited(part, stray(f"{letters}{row}", draw(st.text(
            alphabet=st.characters(codec="utf-8", exclude_characters="<&>"), max_size=20))))
    parts = [info.filename for info in zipfile.ZipFile(io.BytesIO(GOOD)).infolist()]
    part = draw(st.sampled_from(parts))
    if kind == "drop_part":
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(GOOD)) as zin, zipfile.ZipFile(out, "w") as zout:
            for name in parts:
                if name != part:
                    zout.writestr(name, zin.read(name))
        return out.getvalue()
    if kind == "garbage_part":
        return edited(part, lambda _xml: draw(st.binary(max_size=200)))
    value = draw(st.sampled_from([b"<v>-1</v>", b"<v>1e308</v>", b"<f>1/0</f>", b"<v>abc</v>",
                                  b'<is><t>=cmd</t></is>', b"<v></v>"]))
    ref = draw(st.sampled_from(["A2", "C5", "C13", "D3", "AT2", "B9"]))

    def edit(xml: bytes) -> bytes:
        return re.sub(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)',
                      b'<c r="' + ref.encode() + b'">' + value + b"</c>", xml, count=1, flags=re.S)

    return edited(draw(st.sampled_from([RESULTS, CRITERIA])), edit)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=random_workbook(), command=st.sampled_from(["recalc", "export"]))
def test_random_workbooks_exit_0_or_2(data: bytes, command: str, tmp_path_factory:
                                      pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("random")
    (folder / "book.xlsx").write_bytes(data)
    args = (["recalc", str(folder / "book.xlsx")] if command == "recalc"
            else ["export", str(folder / "book.xlsx"), "--out", str(folder / "courts")])
    result = CliRunner().invoke(cli, args, prog_name="cmr-xl")
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    assert "internal error" not in result.stderr, result.stderr
