"""(Re)create the hostile-input corpus in tests/hostile/files/.

Each file is one bad input a county may really hand cmr-xl: a DOJ research file that is
empty, cut, re-saved by Excel, in the wrong encoding or delimiter...; a criteria file with a
typo; a workbook whose sheet was renamed. tests/hostile/cases.yaml says, for each, the
command run and the exact message the user gets. The files are committed so that a
reviewer can open them; `python tests/hostile/build_corpus.py` writes them again, byte for
byte (a test checks that). The one big case (a 10 MB field) is built at test time, by
`write_big_field`, never committed.

Every DOJ file is built from the hand-built RAP sheets of tests/rapsheet.py (CSV text),
then damaged with plain bytes, so that the line numbers in cases.yaml can be read off the
file in any text editor.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import io
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
sys.path.insert(0, str(HERE.parent))  # tests/, for rapsheet

from rapsheet import RapSheet  # noqa: E402

from cmr_xl.doj.doj_format import DOJ_COLUMNS  # noqa: E402

EOL = b"\n"
HEADER = ",".join(DOJ_COLUMNS).encode()
BIG_FIELD_BYTES = 10 << 20
FIXED_TIME = datetime(2020, 7, 1, 12, 0, 0)
ZIP_TIME = (2020, 7, 1, 12, 0, 0)


# ---------------------------------------------------------------------------------------
# The clean county every DOJ case starts from: 3 people, 7 rows on lines 2-8.


def county() -> RapSheet:
    """Line 2-3: DOE1 (11359 felony 2010, 11357 misdemeanor 2012); lines 4-6: DOE2 (11360(A)
    felony 2005 with two sentence parts, an arrest); lines 7-8: DOE3 (459 PC in YOLO 2000,
    11358 felony 2008)."""
    sheet = RapSheet()
    sheet.person(dob="19790601").conviction("11359", "20100101").conviction(
        "11357", "20120315", level="MISDEMEANOR")
    sheet.person(dob="19850214").conviction(
        "11360(A)", "20050607", sentence=(("2", "Y"), ("6", "M"))).arrest("11357", "20070101")
    sheet.person(dob="19700101").conviction("459", "20000101", county="YOLO").conviction(
        "11358", "20080808")
    return sheet


def lines(sheet: RapSheet | None = None, header: bool = True) -> list[bytes]:
    """The file's lines (without line ends): lines[0] is line 1."""
    text = (sheet or county()).csv_text(header=header)
    return [line.encode() for line in text.split("\n")[:-1]]


def joined(items: list[bytes], eol: bytes = EOL) -> bytes:
    return eol.join(items) + eol


def fields(line: bytes) -> list[bytes]:
    """The fields of one line, unquoted (PRI_NAME `"DOE1,JANE Q"` holds a comma)."""
    return [f.encode() for f in next(csv.reader([line.decode()]))]


def unsplit(values: list[bytes]) -> bytes:
    """One CSV line of these fields, quoted where needed."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([v.decode("latin-1") for v in values])
    return out.getvalue().encode("latin-1")


def column(name: str) -> int:
    return DOJ_COLUMNS.index(name)


# ---------------------------------------------------------------------------------------
# DOJ research files


def good() -> bytes:
    """The clean county: nothing wrong (the base of the criteria and workbook cases)."""
    return joined(lines())


def empty() -> bytes:
    """0 bytes: a download or copy that failed."""
    return b""


def header_only() -> bytes:
    """The header line and nothing else."""
    return HEADER + EOL


def semicolons() -> bytes:
    """Fields separated by semicolons (Excel in a European locale)."""
    return joined([b";".join(fields(line)) for line in lines()])


def tabs() -> bytes:
    """Fields separated by tabs."""
    return joined([b"\t".join(fields(line)) for line in lines()])


def wrong_column_name() -> bytes:
    """The header names PRI_NAME 'PRIMARY_NAME'."""
    out = lines()
    out[0] = out[0].replace(b",PRI_NAME,", b",PRIMARY_NAME,")
    return joined(out)


def missing_column() -> bytes:
    """94 names and 94 fields: COMMENT_TEXT left out."""
    drop = column("COMMENT_TEXT")
    out = []
    for line in lines():
        values = fields(line)
        out.append(unsplit(values[:drop] + values[drop + 1:]))
    return joined(out)


def extra_column() -> bytes:
    """A 96th column NOTES, in the header and in every row."""
    out = [lines()[0] + b",NOTES"] + [line + b",checked" for line in lines()[1:]]
    return joined(out)


def extra_empty_field() -> bytes:
    """Line 3 ends with an extra comma (96 fields, the last empty)."""
    out = lines()
    out[2] += b","
    return joined(out)


def extra_nonempty_field() -> bytes:
    """Line 3 has a 96th field that is not empty."""
    out = lines()
    out[2] += b",EXTRA"
    return joined(out)


def truncated_row() -> bytes:
    """Line 5 is cut after its 40th field (the disk filled up, a copy was interrupted)."""
    out = lines()
    out[4] = unsplit(fields(out[4])[:40])
    return joined(out)


def latin1_name() -> bytes:
    """DOE2's name is written in Latin-1: NUÑEZ,JOSÉ (bytes D1 and C9)."""
    out = [line.replace(b"DOE2,JANE Q", "NUÑEZ,JOSÉ".encode("latin-1")) for line in lines()]
    return joined(out)


def utf8_bom() -> bytes:
    return b"\xef\xbb\xbf" + good()


def crlf() -> bytes:
    return joined(lines(), eol=b"\r\n")


def embedded_newline() -> bytes:
    """Line 3's COMMENT_TEXT is a quoted value on two lines (3-4); line 6 (DOE2's arrest
    row, after it) is truncated, so its number shows that lines after the break stay
    right."""
    sheet = county()
    sheet.people[0].rows[1]["COMMENT_TEXT"] = "CONVICTED BY PLEA\nSEE COURT DOCKET"
    out = lines(sheet)
    out[5] = unsplit(fields(out[5])[:30])  # physical line 6 (lines 3-4 are one row)
    return joined(out)


def stray_quotes() -> bytes:
    """Line 3: a quote inside an unquoted value (COMMENT_TEXT `6" PLANT`), kept as it is;
    line 5: a value that opens a quote and never closes it (OFN `"CS000002001`): that line
    alone is rejected."""
    sheet = county()
    sheet.people[0].rows[1]["COMMENT_TEXT"] = "@RAW3@"
    sheet.people[1].rows[1]["OFN"] = "@RAW5@"
    out = lines(sheet)
    out[2] = out[2].replace(b"@RAW3@", b'POSSESSED 6" PLANT')
    out[4] = out[4].replace(b"@RAW5@", b'"CS000002001')
    return joined(out)


def quote_inside_quoted_value() -> bytes:
    """Line 8: a quote inside a quoted value that is not doubled, PRI_NAME written as
    `"DOE3,JANE "JJ" Q"` (a nickname in quotes) instead of `"DOE3,JANE ""JJ"" Q"`."""
    out = lines()
    out[7] = out[7].replace(b'"DOE3,JANE Q"', b'"DOE3,JANE "JJ" Q"')
    return joined(out)


def old_mac_line_ends() -> bytes:
    """Lines ended by a lone carriage return (classic Mac OS)."""
    return joined(lines(), eol=b"\r")


def mixed_line_ends() -> bytes:
    """Lines 1-4 ended by a lone carriage return, lines 5-8 by CRLF (parts of a file
    joined by different programs): read line by line as written."""
    out = lines()
    return joined(out[:4], eol=b"\r") + joined(out[4:], eol=b"\r\n")


def nul_padded() -> bytes:
    """The clean county followed by NUL bytes (a copy padded to its allocated size; real
    ones carry hundreds of MB)."""
    return good() + b"\x00" * 4096


def utf16_no_bom() -> bytes:
    """UTF-16 (little-endian) without a byte-order mark, commas kept."""
    return good().decode().encode("utf-16-le")


def utf32() -> bytes:
    """UTF-32 with its byte-order mark."""
    return good().decode().encode("utf-32")


def zip_archive() -> bytes:
    """The DOJ file as it may arrive: good.csv inside a zip archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        entry = zipfile.ZipInfo("sacramento_doj_research_file.csv", ZIP_TIME)
        entry.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(entry, good())
    return out.getvalue()


def gzip_file() -> bytes:
    """The DOJ file compressed with gzip (.csv.gz)."""
    return gzip.compress(good(), mtime=0)


def binary() -> bytes:
    """Not text at all: a few bytes of a compressed file, NUL bytes included."""
    return bytes(range(256)) * 4


def excel_resaved() -> bytes:
    """What Excel writes after opening a DOJ file and saving it again as CSV: ids of 12
    digits in scientific notation, leading zeros gone, dates as m/d/yyyy, CRLF."""
    sheet = county()
    for k, person in enumerate(sheet.people):
        for row in person.rows:
            row["SUBJECT_ID"] = f"{1.23456789e8 + k:.5E}"
            row["CII_NUMBER"] = str(int(row["CII_NUMBER"]))
            row["CNT_ORDER"] = str(int(row["CNT_ORDER"])) if row.get("CNT_ORDER") else ""
            for name in ("PRI_DOB", "CYC_DATE", "STP_EVENT_DATE"):
                value = row.get(name, "")
                if value:
                    row[name] = f"{int(value[4:6])}/{int(value[6:])}/{value[:4]}"
    return joined(lines(sheet), eol=b"\r\n")


def bad_dates() -> bytes:
    """Line 2: conviction date 20101345 (month 13); line 3: 19790000 (day and month
    unknown, as DOJ writes partial dates)."""
    sheet = county()
    sheet.people[0].rows[0]["STP_EVENT_DATE"] = "20101345"
    sheet.people[0].rows[0]["CYC_DATE"] = "20101345"
    sheet.people[0].rows[1]["STP_EVENT_DATE"] = "19790000"
    sheet.people[0].rows[1]["CYC_DATE"] = "19790000"
    return joined(lines(sheet))


def future_conviction() -> bytes:
    """Line 2: DOE1's 11359 conviction is dated 2025-01-01, after --as-of 2020-07-01."""
    sheet = county()
    sheet.people[0].rows[0]["STP_EVENT_DATE"] = "20250101"
    sheet.people[0].rows[0]["CYC_DATE"] = "20250101"
    return joined(lines(sheet))


def impossible_dates() -> bytes:
    """Line 2: DOE1's 11359 conviction dated 9999-12-31 and DOE1 born 1066-10-14 (lines
    2-3); line 4: DOE2's 11360(A) sentence part of 999 years (a life term written so)."""
    sheet = county()
    sheet.people[0].rows[0]["STP_EVENT_DATE"] = "99991231"
    sheet.people[0].rows[0]["CYC_DATE"] = "99991231"
    for row in sheet.people[0].rows:
        row["PRI_DOB"] = "10661014"
    sheet.people[1].rows[0]["SENT_LENGTH"] = "999"
    return joined(lines(sheet))


def dob_after_conviction() -> bytes:
    """DOE1 (lines 2-3) is born 2015-06-01, after both convictions (2010, 2012)."""
    sheet = county()
    for row in sheet.people[0].rows:
        row["PRI_DOB"] = "20150601"
    return joined(lines(sheet))


def duplicate_row() -> bytes:
    """Line 3 (DOE1's 11357 conviction) is written again, identical, on line 4."""
    out = lines()
    out.insert(3, out[2])
    return joined(out)


def person_not_contiguous() -> bytes:
    """DOE1's rows are on lines 2 and 8, with DOE2's and DOE3's rows between them."""
    out = lines()
    out.append(out.pop(2))
    return joined(out)


def only_rejected_rows() -> bytes:
    """A header and rows that are all cut short: nothing can be used."""
    out = lines()
    return joined([out[0]] + [unsplit(fields(line)[:50]) for line in out[1:]])


def rows_of_only_commas() -> bytes:
    """Empty rows as spreadsheet programs write them, 94 commas: one between DOE2's rows
    (line 5), two at the end (lines 10-11)."""
    out = lines()
    empty = b"," * (len(DOJ_COLUMNS) - 1)
    return joined(out[:4] + [empty] + out[4:] + [empty, empty])


def missing_subject_id() -> bytes:
    """Line 8 (DOE3's 11358 conviction) has no SUBJECT_ID: whose record is it?"""
    out = lines()
    values = fields(out[7])
    values[column("SUBJECT_ID")] = b""
    out[7] = unsplit(values)
    return joined(out)


def blank_lines() -> bytes:
    """A blank line after the header (line 2), one of spaces between two people (line 5)
    and two at the end (lines 11-12)."""
    out = lines()
    out.insert(1, b"")
    out.insert(4, b"   ")
    out += [b"", b""]
    return joined(out)


def joined_files() -> bytes:
    """Two county extracts joined with `cat`: the header line appears again at line 5."""
    out = lines()
    return joined(out[:3] + [out[0]] + out[3:])


def trailing_commas() -> bytes:
    """Every line, header included, ends with an extra comma (96 fields, the last empty)."""
    return joined([line + b"," for line in lines()])


def utf16() -> bytes:
    """Saved by Excel as 'Unicode Text': UTF-16 with its byte-order mark, tabs."""
    return "\r\n".join("\t".join(f.decode() for f in fields(line)) for line in lines()).encode(
        "utf-16")


# ---------------------------------------------------------------------------------------
# Criteria files


def criteria_unknown_key() -> bytes:
    return b"felony_11359: dismiss\nrelief_under_twentyone: yes\n"


def criteria_out_of_range() -> bytes:
    return b"relief_age_threshold: 200\n"


def criteria_yaml_syntax() -> bytes:
    return b"felony_11359: dismiss\nmisdemeanor: [dismiss\nrelief_under_21: yes\n"


def criteria_not_a_mapping() -> bytes:
    return b"- felony_11359\n- dismiss\n"


def criteria_not_utf8() -> bytes:
    """Written in Notepad as 'ANSI': a scenario name with an accented letter in Windows-1252."""
    return ("felony_11359: reduce\nscenarios:\n  Réduire 11359 (dismiss):\n"
            "    felony_11359: dismiss\n").encode("cp1252")


def criteria_bad_override() -> bytes:
    """An exception list entry with three parts instead of a section and an action."""
    return b"subsection_overrides:\n  - [11357(A), dismiss, now]\n"


def criteria_under_21() -> bytes:
    return b"relief_under_21: yes\n"


def bear_unknown_key() -> bytes:
    return (b'{\n  "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", '
            b'"11360"]},\n  "additionalRelief": {"subjectUnder21AtConviction": true, '
            b'"subjectOlderThan": 50}\n}\n')


def bear_wrong_shape() -> bytes:
    """additionalRelief written as a list instead of an object (a hand-edited file)."""
    return (b'{\n  "baselineEligibility": {"dismiss": ["11357"], "reduce": ["11359"]},\n'
            b'  "additionalRelief": ["subjectUnder21AtConviction"]\n}\n')


# ---------------------------------------------------------------------------------------
# Workbooks: a filled workbook of the clean county, then damaged in its XML


@functools.cache
def _filled_workbook() -> bytes:
    """The workbook `cmr-xl run good.csv --county SACRAMENTO --as-of 2020-07-01 --workbook`
    writes, with its times fixed so that it is reproducible."""
    from cmr_xl.engine.pipeline import run
    from cmr_xl.rules.criteria import Criteria
    from cmr_xl.workbook.writer import content_from_result, write_content

    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path("good.csv").write_bytes(good())
        result = run(["good.csv"], "SACRAMENTO", Criteria())
        result.started, result.seconds = FIXED_TIME.isoformat(), 0.0
        content = content_from_result(result)
        content.computed_at = FIXED_TIME.isoformat()
        write_content(content, "book.xlsx", created=FIXED_TIME)
        return _rezipped(Path("book.xlsx").read_bytes())


def _rezipped(data: bytes, edit: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """The same workbook with fixed zip times, and `edit` applied to each part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(
            out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            part = zin.read(info.filename)
            if edit is not None:
                part = edit(info.filename, part)
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, part)
    return out.getvalue()


def _sheet_part(data: bytes, sheet: str) -> str:
    from cmr_xl.workbook.package import Package

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        path.write_bytes(data)
        return Package(path).sheet_parts()[sheet]


def _renamed(data: bytes, old: str, new: str) -> bytes:
    """The workbook with sheet `old` renamed `new` as Excel does it: the sheet's name and
    every formula, defined name and chart reference to it."""
    quoted = f"'{new}'" if " " in new else new
    reference = re.compile(rb"(?<![A-Za-z0-9_'])" + old.encode() + rb"!")

    def edit(name: str, part: bytes) -> bytes:
        if not name.endswith(".xml"):
            return part
        part = part.replace(f'<sheet name="{old}"'.encode(), f'<sheet name="{new}"'.encode())
        part = part.replace(f"<vt:lpstr>{old}</vt:lpstr>".encode(),
                            f"<vt:lpstr>{new}</vt:lpstr>".encode())
        return reference.sub(quoted.encode() + b"!", part)

    return _rezipped(data, edit)


def workbook_results_renamed() -> bytes:
    """The Results sheet renamed 'Results 2020' (a clerk's tidy-up)."""
    return _renamed(_filled_workbook(), "Results", "Results 2020")


def workbook_criteria_renamed() -> bytes:
    """The Criteria sheet renamed 'Settings'."""
    return _renamed(_filled_workbook(), "Criteria", "Settings")


def workbook_criteria_text() -> bytes:
    """The minimum-age criterion cell holds the text 'thirty' instead of a number."""
    from cmr_xl.workbook import layout as L

    data = _filled_workbook()
    cell = next(c for c in L.criterion_cells() if c.spec.key == "relief_age_threshold")
    part = _sheet_part(data, L.CRITERIA)

    def edit(name: str, xml: bytes) -> bytes:
        if name != part:
            return xml
        pattern = re.compile(rb'<c r="' + cell.address.encode() + rb'"( s="[0-9]+")?[^>]*>.*?</c>')
        found = pattern.search(xml)
        assert found, cell.address
        style = found.group(1) or b""
        new = (b'<c r="' + cell.address.encode() + b'"' + style
               + b' t="inlineStr"><is><t>thirty</t></is></c>')
        return xml[:found.start()] + new + xml[found.end():]

    return _rezipped(data, edit)


def workbook_template() -> bytes:
    """The empty template (`cmr-xl new`): no county, no results yet."""
    from cmr_xl.workbook.template import new_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        new_workbook(path)
        return _rezipped(path.read_bytes())


def not_a_workbook() -> bytes:
    """A CSV file saved under a workbook's name."""
    return good()


# ---------------------------------------------------------------------------------------

CORPUS: dict[str, Callable[[], bytes]] = {
    "good.csv": good,
    "empty.csv": empty,
    "header_only.csv": header_only,
    "semicolons.csv": semicolons,
    "tabs.txt": tabs,
    "wrong_column_name.csv": wrong_column_name,
    "missing_column.csv": missing_column,
    "extra_column.csv": extra_column,
    "extra_empty_field.csv": extra_empty_field,
    "extra_nonempty_field.csv": extra_nonempty_field,
    "truncated_row.csv": truncated_row,
    "latin1_name.csv": latin1_name,
    "utf8_bom.csv": utf8_bom,
    "crlf.csv": crlf,
    "embedded_newline.csv": embedded_newline,
    "stray_quotes.csv": stray_quotes,
    "quote_inside_quoted_value.csv": quote_inside_quoted_value,
    "old_mac_line_ends.csv": old_mac_line_ends,
    "mixed_line_ends.csv": mixed_line_ends,
    "nul_padded.csv": nul_padded,
    "utf16_no_bom.txt": utf16_no_bom,
    "utf32.txt": utf32,
    "doj_file.zip": zip_archive,
    "doj_file.csv.gz": gzip_file,
    "binary.dat": binary,
    "excel_resaved.csv": excel_resaved,
    "bad_dates.csv": bad_dates,
    "future_conviction.csv": future_conviction,
    "impossible_dates.csv": impossible_dates,
    "dob_after_conviction.csv": dob_after_conviction,
    "duplicate_row.csv": duplicate_row,
    "person_not_contiguous.csv": person_not_contiguous,
    "only_rejected_rows.csv": only_rejected_rows,
    "blank_lines.csv": blank_lines,
    "rows_of_only_commas.csv": rows_of_only_commas,
    "missing_subject_id.csv": missing_subject_id,
    "joined_files.csv": joined_files,
    "trailing_commas.csv": trailing_commas,
    "utf16.txt": utf16,
    "criteria_unknown_key.yaml": criteria_unknown_key,
    "criteria_out_of_range.yaml": criteria_out_of_range,
    "criteria_yaml_syntax.yaml": criteria_yaml_syntax,
    "criteria_not_a_mapping.yaml": criteria_not_a_mapping,
    "criteria_not_utf8.yaml": criteria_not_utf8,
    "criteria_bad_override.yaml": criteria_bad_override,
    "criteria_under_21.yaml": criteria_under_21,
    "bear_unknown_key.json": bear_unknown_key,
    "bear_wrong_shape.json": bear_wrong_shape,
    "results_renamed.xlsx": workbook_results_renamed,
    "criteria_renamed.xlsx": workbook_criteria_renamed,
    "criteria_text.xlsx": workbook_criteria_text,
    "template.xlsx": workbook_template,
    "not_a_workbook.xlsx": not_a_workbook,
}


def build() -> dict[str, bytes]:
    """Every corpus file's name and bytes."""
    return {name: make() for name, make in CORPUS.items()}


def write_big_field(path: Path) -> Path:
    """The clean county with a 10 MB COMMENT_TEXT on line 3 (built at test time)."""
    sheet = county()
    sheet.people[0].rows[1]["COMMENT_TEXT"] = "X" * BIG_FIELD_BYTES
    path.write_bytes(joined(lines(sheet)))
    return path


def main() -> None:
    if FILES.exists():
        shutil.rmtree(FILES)
    FILES.mkdir()
    for name, data in build().items():
        (FILES / name).write_bytes(data)
        print(f"wrote {FILES / name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
