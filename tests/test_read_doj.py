"""The DOJ reader: every line accounted for, rows with their physical line numbers, whole
persons per batch, clear refusals of what is not a DOJ research file.

Rows are built by `DojText`, which writes each row's physical line number into RECORD_ID,
so a test can check that SOURCE_LINE is right for every row with `lines_match`.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import hashlib
import io
import lzma
import random
import zipfile
from pathlib import Path

import pyarrow as pa
import pytest

from cmr_xl.common.errors import DojFileError
from cmr_xl.doj import (
    OUTPUT_SCHEMA,
    RowAccounting,
    iter_person_batches,
    limits,
    normalize_columns,
    read_all,
    records,
)
from cmr_xl.doj.doj_format import DOJ_COLUMNS, SOURCE_FILE, SOURCE_LINE
from cmr_xl.doj.records import split_record as _split

HEADER = ",".join(DOJ_COLUMNS)
SEPARATORS = [c for c in DOJ_COLUMNS if c.endswith("_SEG_SEP")] + ["END_OF_REC"]


def fields(line: int, subject: str = "S1", **values: str) -> list[str]:
    """A 95-field row; RECORD_ID is the physical line it is written on."""
    row = dict.fromkeys(DOJ_COLUMNS, "")
    row.update(dict.fromkeys(SEPARATORS, "#"))
    row.update({
        "RECORD_ID": str(line), "SUBJECT_ID": subject, "CII_NUMBER": "012345678",
        "PRI_NAME": "DOE,JANE", "PRI_DOB": "19700101", "CYC_DATE": "20100101",
        "STP_EVENT_DATE": "20100102", "CNT_ORDER": "001002001000",
        "STP_TYPE_DESCR": "COURT ACTION", "STP_ORI_CNTY_NAME": "SACRAMENTO",
        "OFFENSE_DESCR": "11357 HS-POSSESS MARIJUANA", "DISP_DESCR": "CONVICTED",
    })
    row.update(values)
    return [row[c] for c in DOJ_COLUMNS]


def csv_line(values: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)  # "\n" here: values with one get quoted
    return out.getvalue()[:-1]


def with_raw(line: int, raw: str, subject: str = "S1", column: str = "OFN") -> str:
    """A row whose `column` holds `raw` exactly as written, quotes and all."""
    return csv_line(fields(line, subject, **{column: "@RAW@"})).replace("@RAW@", raw)


class DojText:
    """A DOJ file being written line by line, knowing which physical line comes next."""

    def __init__(self, header: bool = True) -> None:
        self.lines: list[str] = [HEADER] if header else []

    @property
    def next_line(self) -> int:
        return sum(text.count("\n") + 1 for text in self.lines) + 1

    def row(self, subject: str = "S1", **values: str) -> int:
        line = self.next_line
        self.lines.append(csv_line(fields(line, subject, **values)))
        return line

    def rows(self, count: int, subject: str = "S1") -> DojText:
        for _ in range(count):
            self.row(subject)
        return self

    def raw(self, text: str) -> int:
        line = self.next_line
        self.lines.append(text)
        return line

    def text(self, eol: str = "\n") -> str:
        return eol.join(self.lines) + eol

    def write(self, path: Path, eol: str = "\n", encoding: str = "utf-8") -> Path:
        path.write_bytes(self.text(eol).encode(encoding))
        return path


def read(*paths: Path, batch_bytes: int = 64 << 20) -> tuple[pa.Table, RowAccounting]:
    accounting = RowAccounting()
    batches = list(iter_person_batches(list(paths), accounting, batch_bytes=batch_bytes))
    table = pa.concat_tables(batches) if batches else OUTPUT_SCHEMA.empty_table()
    return table, accounting


def lines_match(table: pa.Table) -> bool:
    """Every row's SOURCE_LINE is the line its RECORD_ID says it was written on."""
    return table["RECORD_ID"].to_pylist() == [str(n) for n in table[SOURCE_LINE].to_pylist()]


def balanced(accounting: RowAccounting) -> bool:
    return all(f.lines == f.header_lines + f.blank_lines + f.rows + f.rejected
               for f in accounting.files) and not any("internal" in n for n in accounting.notes)


def truncated(line: int, subject: str = "S1", keep: int = 60, **values: str) -> str:
    """A row cut after its `keep`th field."""
    return csv_line(fields(line, subject, **values)[:keep])


# ---------------------------------------------------------------------------------------
# Reading


def test_file_with_header_is_read(tmp_path):
    path = DojText().rows(3).write(tmp_path / "doj.csv")
    table, accounting = read(path)
    assert table.schema == OUTPUT_SCHEMA
    assert table.num_rows == 3
    assert table[SOURCE_LINE].to_pylist() == [2, 3, 4]
    assert table[SOURCE_FILE].to_pylist() == [str(path)] * 3
    assert accounting.files[0].has_header and accounting.header_lines == 1


def test_file_without_header_is_read(tmp_path):
    path = DojText(header=False).rows(3).write(tmp_path / "doj.csv")
    table, accounting = read(path)
    assert table[SOURCE_LINE].to_pylist() == [1, 2, 3]
    assert not accounting.files[0].has_header and accounting.header_lines == 0


def test_quoted_lowercase_header_with_bom_and_trailing_spaces_is_recognised(tmp_path):
    doj = DojText(header=False)
    doj.raw(",".join(f'"{c.lower()}"' for c in DOJ_COLUMNS) + "   ")
    doj.rows(2)
    path = tmp_path / "doj.csv"
    path.write_bytes(b"\xef\xbb\xbf" + doj.text().encode())
    table, accounting = read(path)
    assert accounting.files[0].has_header
    assert table.num_rows == 2 and lines_match(table)
    assert table["RECORD_ID"][0].as_py() == "2"  # the BOM did not stick to the first field


def test_read_all_returns_every_row_in_order(tmp_path):
    doj = DojText()
    for person in ("A", "B", "C"):
        doj.rows(2, subject=person)
    table = read_all([doj.write(tmp_path / "doj.csv")], RowAccounting())
    assert table["SUBJECT_ID"].to_pylist() == ["A", "A", "B", "B", "C", "C"]
    assert lines_match(table)


def test_placeholders_become_null_in_every_column(tmp_path):
    doj = DojText()
    doj.row(OFFENSE_TOC="  -  ", DISP_DATE="NULL", OFN="   ", RACE_DESCR="NULL",
            EYE_COLOR_DESCR="-", HAIR_COLOR_DESCR="")
    table, _ = read(doj.write(tmp_path / "doj.csv"))
    row = table.to_pylist()[0]
    assert [row[c] for c in ("OFFENSE_TOC", "DISP_DATE", "OFN", "RACE_DESCR",
                             "EYE_COLOR_DESCR", "HAIR_COLOR_DESCR")] == [None] * 6


def test_padding_is_trimmed_in_the_fact_columns(tmp_path):
    doj = DojText()
    doj.row(OFFENSE_TOC="F  ", SENT_TIME_CODE=" Y", STP_TYPE_DESCR="COURT ACTION ")
    table, _ = read(doj.write(tmp_path / "doj.csv"))
    row = table.to_pylist()[0]
    assert (row["OFFENSE_TOC"], row["SENT_TIME_CODE"], row["STP_TYPE_DESCR"]) == \
        ("F", "Y", "COURT ACTION")


def test_other_columns_keep_padding_until_normalize_columns(tmp_path):
    doj = DojText()
    doj.row(RACE_DESCR=" WHITE ", POB_NAME="  -  ")
    table, _ = read(doj.write(tmp_path / "doj.csv"))
    assert table["RACE_DESCR"][0].as_py() == " WHITE "
    cleaned = normalize_columns(table, ["RACE_DESCR", "POB_NAME"])
    assert cleaned["RACE_DESCR"][0].as_py() == "WHITE"
    assert cleaned["POB_NAME"][0].as_py() is None


def test_values_are_otherwise_kept_raw(tmp_path):
    doj = DojText()
    doj.row(PRI_NAME="O'NEIL,JOHN \"JJ\"", CNT_ORDER="001002001000", COMMENT_TEXT="A, B; C")
    table, _ = read(doj.write(tmp_path / "doj.csv"))
    row = table.to_pylist()[0]
    assert row["PRI_NAME"] == "O'NEIL,JOHN \"JJ\""
    assert row["CNT_ORDER"] == "001002001000"
    assert row["COMMENT_TEXT"] == "A, B; C"


def test_crlf_line_endings_are_read(tmp_path):
    doj = DojText().rows(3)
    doj.raw("")
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv", eol="\r\n"))
    assert table.num_rows == 4 and lines_match(table)
    assert table["END_OF_REC"].to_pylist() == ["#"] * 4  # no CR left on the last field
    assert accounting.blank_lines == 1


def test_old_mac_line_endings_are_read(tmp_path):
    table, accounting = read(DojText().rows(3).write(tmp_path / "doj.csv", eol="\r"))
    assert table.num_rows == 3 and lines_match(table)
    assert any("carriage return" in n for n in accounting.notes)


def test_blank_lines_are_counted_and_skipped(tmp_path):
    doj = DojText()
    doj.raw("")
    doj.row()
    doj.raw("   ")
    doj.raw("")
    doj.row()
    doj.raw("")
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and lines_match(table)
    assert accounting.blank_lines == 4 and balanced(accounting)


def test_latin1_names_are_read_as_windows_1252_with_a_note(tmp_path):
    doj = DojText()
    doj.row()
    line = doj.row(PRI_NAME="MUÑOZ,JOSÉ")
    table, accounting = read(doj.write(tmp_path / "doj.csv", encoding="cp1252"))
    assert table["PRI_NAME"].to_pylist()[1] == "MUÑOZ,JOSÉ"
    assert any(f"from line {line}" in n and "Windows-1252" in n for n in accounting.notes)


def test_utf8_names_are_read_without_a_note(tmp_path):
    doj = DojText()
    doj.row(PRI_NAME="MUÑOZ,JOSÉ")
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table["PRI_NAME"][0].as_py() == "MUÑOZ,JOSÉ"
    assert accounting.notes == []


def test_latin1_byte_in_a_defective_row_does_not_crash(tmp_path):
    doj = DojText()
    doj.row()
    bad = doj.raw(truncated(3, PRI_NAME="MUÑOZ,JOSÉ"))
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv", encoding="cp1252"))
    assert table.num_rows == 2 and lines_match(table)
    assert [(r.line, r.reason) for r in accounting.rejects] == \
        [(bad, "has 60 fields, expected 95")]
    assert "MUÑOZ" in accounting.rejects[0].text


def test_embedded_newline_in_quoted_field_is_kept_and_later_lines_stay_right(tmp_path):
    doj = DojText()
    doj.row()
    first = doj.row(COMMENT_TEXT="11357 HS\nSEE ALSO\n\nCOUNT 2")
    doj.rows(3)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 5 and lines_match(table)
    assert table["COMMENT_TEXT"][1].as_py() == "11357 HS\nSEE ALSO\n\nCOUNT 2"
    assert table[SOURCE_LINE][2].as_py() == first + 4
    report = accounting.files[0]
    assert report.physical_lines == report.lines + 3 and balanced(accounting)
    assert any(f"line(s) {first}" in n for n in accounting.notes)


def test_stray_quote_inside_a_field_is_kept_literally(tmp_path):
    doj = DojText(header=False)
    doj.raw(with_raw(1, 'DOE JA"NE', column="PRI_NAME"))
    doj.raw(with_raw(2, '11357 HS-POSS 1" PIPE', column="OFFENSE_DESCR"))
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert accounting.rows_rejected == 0 and lines_match(table)
    assert table["PRI_NAME"][0].as_py() == 'DOE JA"NE'
    assert table["OFFENSE_DESCR"][1].as_py() == '11357 HS-POSS 1" PIPE'


def test_unterminated_quote_costs_only_its_own_line(tmp_path):
    doj = DojText()
    doj.rows(2)
    bad = doj.raw(with_raw(4, '"never closed').replace('"DOE,JANE"', "DOE"))
    doj.rows(50)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 52 and lines_match(table)
    assert [(r.line, r.reason) for r in accounting.rejects] == \
        [(bad, 'has a quote (") that is never closed')]
    assert balanced(accounting)


def test_unterminated_quote_in_the_first_row_costs_only_its_own_line(tmp_path):
    doj = DojText()
    bad = doj.raw(with_raw(2, '"never closed', column="OFN"))
    doj.rows(5)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 5 and lines_match(table)
    assert [r.line for r in accounting.rejects] == [bad]


def test_unterminated_quote_in_a_file_without_other_quotes_costs_only_its_own_line(tmp_path):
    doj = DojText()
    for _ in range(3):
        doj.row(PRI_NAME="DOE JANE")
    bad = doj.raw(with_raw(5, '"never closed', column="OFN").replace('"DOE,JANE"', "DOE JANE"))
    for _ in range(300):
        doj.row(PRI_NAME="DOE JANE")
    path = doj.write(tmp_path / "doj.csv")
    assert path.read_text().count('"') == 1
    for batch_bytes in (10_000, 64 << 20):
        table, accounting = read(path, batch_bytes=batch_bytes)
        assert table.num_rows == 303 and lines_match(table), batch_bytes
        assert [r.line for r in accounting.rejects] == [bad] and balanced(accounting)


def test_unterminated_quote_before_quoted_rows_costs_only_its_own_line(tmp_path):
    doj = DojText()
    doj.row()
    bad = doj.raw('3,,S1,"#,unterminated')
    doj.rows(20)  # every row has a quoted name: the open quote pairs with the next one
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 21 and lines_match(table)
    assert [r.line for r in accounting.rejects] == [bad]
    assert balanced(accounting)


def test_unterminated_quote_at_a_block_end_costs_only_its_own_line(tmp_path):
    doj = DojText()
    for size in (1, 2, 3):
        doj.rows(size, subject=f"P{size}")
        doj.raw('9,,X,"#,unterminated')
    doj.rows(3, subject="P4")
    path = doj.write(tmp_path / "doj.csv")
    for batch_bytes in (50, 400, 1000, 3000):
        table, accounting = read(path, batch_bytes=batch_bytes)
        assert table.num_rows == 9 and lines_match(table), batch_bytes
        assert accounting.rows_rejected == 3 and balanced(accounting)


def test_quoted_newline_across_a_block_boundary_is_kept(tmp_path):
    doj = DojText()
    doj.rows(2)
    doj.row(COMMENT_TEXT="LINE ONE\n" + "X" * 300 + "\nLINE THREE")
    doj.rows(2)
    path = doj.write(tmp_path / "doj.csv")
    for batch_bytes in (100, 700, 1500, 2000):
        table, accounting = read(path, batch_bytes=batch_bytes)
        assert table.num_rows == 5 and lines_match(table), batch_bytes
        assert accounting.rows_rejected == 0 and balanced(accounting)


def test_stray_quote_that_makes_a_whole_row_of_two_lines_costs_only_its_own_line(tmp_path):
    doj = DojText()
    doj.row()
    bad = doj.raw(csv_line(fields(3)[:11]) + ',"open')  # the quote closes in the next row,
    doj.row()  # which then makes exactly 95 fields with it; that row is complete itself
    doj.row()
    path = doj.write(tmp_path / "doj.csv")
    assert len(next(csv.reader(io.StringIO("\n".join(doj.lines[2:4]))))) == 95
    table, accounting = read(path)
    assert table.num_rows == 3 and lines_match(table)
    assert [r.line for r in accounting.rejects] == [bad] and balanced(accounting)


def test_file_without_final_line_end_is_read(tmp_path):
    doj = DojText().rows(2)
    doj.raw(truncated(4))
    doj.row()
    path = tmp_path / "doj.csv"
    path.write_text(doj.text().rstrip("\n"))
    table, accounting = read(path)
    assert table.num_rows == 3 and lines_match(table)
    assert accounting.files[0].lines == 5 and balanced(accounting)


def test_defective_rows_are_split_the_way_pyarrow_splits_them():
    import pyarrow.csv as pacsv

    for text in ['a,"b""c",d', 'a,b"c,d', 'a,"x"y,d', '"",,"a,b"', 'a,"b\nc",d']:
        parsed = pacsv.read_csv(pa.py_buffer(text.encode() + b"\n"), read_options=pacsv.ReadOptions(
            autogenerate_column_names=True)).to_pylist()[0]
        assert _split(text) == ([str(v or "") for v in parsed.values()], False), text
    assert _split('a,"open') == ([], True)


def test_lone_carriage_return_inside_a_line_is_read_as_a_space(tmp_path):
    doj = DojText()
    doj.row()
    doj.raw(csv_line(fields(3)).replace("MARIJUANA", "MARI\rJUANA"))
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and lines_match(table)
    assert table["OFFENSE_DESCR"][1].as_py() == "11357 HS-POSSESS MARI JUANA"
    assert any("carriage return" in n for n in accounting.notes)


@pytest.mark.parametrize("batch_bytes", [64 << 20, 3000])  # one block, or many
@pytest.mark.parametrize("before", [0, 12])  # CR lines open the file (header too), or later
def test_a_block_of_old_mac_lines_before_crlf_lines_is_read_line_by_line_as_written(
        tmp_path, monkeypatch, batch_bytes, before):
    if before:  # the first lines fill the sniff: the CR lines are found block by block
        monkeypatch.setattr(limits, "SNIFF_BYTES", 2000)
    lines = [(HEADER, "\r\n" if before else "\r")]
    for eol in ["\r\n"] * before + ["\r"] * 200 + ["\r\n"] * 14:
        lines.append((csv_line(fields(len(lines) + 1)), eol))
    path = tmp_path / "doj.csv"
    path.write_bytes("".join(text + eol for text, eol in lines).encode())
    table, accounting = read(path, batch_bytes=batch_bytes)
    assert table.num_rows == before + 214
    assert lines_match(table) and balanced(accounting) and accounting.rejects == []
    assert [n for n in accounting.notes if "carriage" in n] == [
        f"{path}: lines from line {before + 2 if before else 1} on (and maybe others) end "
        "with a lone carriage return (old Mac style) among lines ending otherwise; read as "
        "lines as written"]


@pytest.mark.parametrize("batch_bytes", [64 << 20, 1000, 1001, 1002])  # CR | LF at a block end
def test_old_mac_lines_then_crlf_lines_count_each_line_once(tmp_path, monkeypatch,
                                                             batch_bytes):
    monkeypatch.setattr(limits, "SNIFF_BYTES", 2000)  # the sniff sees only CR lines
    rows = [csv_line(fields(i + 2)) for i in range(300)]
    text = "\r".join([HEADER, *rows[:290]]) + "\r" + "\r\n".join(rows[290:]) + "\r\n"
    (tmp_path / "doj.csv").write_bytes(text.encode())
    table, accounting = read(tmp_path / "doj.csv", batch_bytes=batch_bytes)
    assert table.num_rows == 300 and lines_match(table) and balanced(accounting)
    assert accounting.blank_lines == 0


# ---------------------------------------------------------------------------------------
# Defective rows


def test_row_with_extra_trailing_comma_is_repaired(tmp_path):
    doj = DojText()
    doj.row()
    bad = doj.raw(csv_line(fields(3)) + ",")
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and lines_match(table)
    assert table["END_OF_REC"][1].as_py() == "#"
    assert accounting.rows_repaired == 1 and accounting.rows_rejected == 0
    assert any("extra empty field" in n and str(bad) in n for n in accounting.notes)


def test_row_with_doubled_comma_inside_is_repaired_where_the_separators_say(tmp_path):
    doj = DojText()
    doj.rows(3)
    requested = {"REQ_CII_NUMBER": "012345678", "REQ_NAME": "DOE,JANE", "REQ_GENDER": "F",
                 "REQ_DOB": "19700101", "REQ_CDL": "D1", "REQ_SSN": "999"}
    values = fields(5, **requested)
    values.insert(DOJ_COLUMNS.index("REQ_GENDER"), "")  # ",," inside the REQ segment
    doj.raw(csv_line(values))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert lines_match(table) and accounting.rows_repaired == 1
    row = table.to_pylist()[3]
    assert {c: row[c] for c in requested} == requested
    assert row["PII_SEG_SEP"] == "#" and row["END_OF_REC"] == "#"


def test_row_with_doubled_comma_where_the_extra_field_is_ambiguous_is_rejected(tmp_path):
    doj = DojText()
    doj.rows(3)
    values = fields(5, OFN="C123")
    values.insert(DOJ_COLUMNS.index("OFN"), "")  # many empty fields in the same segment
    bad = doj.raw(csv_line(values))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and accounting.rejects[0].line == bad
    assert "cannot tell which empty field is the extra one" in accounting.rejects[0].reason


def test_row_with_96_non_empty_fields_is_rejected(tmp_path):
    doj = DojText()
    doj.row()
    bad = doj.raw(csv_line(fields(3) + ["EXTRA"]))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 1
    assert accounting.rejects[0].line == bad
    assert accounting.rejects[0].reason.startswith("has 96 fields, expected 95")


def test_truncated_row_is_rejected_with_its_line_number(tmp_path):
    doj = DojText()
    doj.rows(2)
    text = truncated(4, keep=80)
    bad = doj.raw(text)
    doj.rows(2)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 4 and lines_match(table)
    [reject] = accounting.rejects
    assert (reject.file, reject.line, reject.reason) == \
        (str(tmp_path / "doj.csv"), bad, "has 80 fields, expected 95")
    assert reject.text == text[:300]
    assert accounting.files[0].rejected == 1 and balanced(accounting)


def test_rejected_text_is_truncated_to_300_characters(tmp_path):
    doj = DojText()
    doj.row()
    doj.raw("X" * 1000 + ",Y")
    _, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert accounting.rejects[0].text == "X" * 300


def test_whole_file_with_trailing_commas_is_read_as_95_columns(tmp_path):
    doj = DojText()
    doj.lines[0] += ","
    for _ in range(5):
        doj.raw(csv_line(fields(doj.next_line)) + ",")
    bad = doj.raw(csv_line(fields(doj.next_line) + ["NOT EMPTY"]) + ",")
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 5 and lines_match(table)
    assert table.column_names == OUTPUT_SCHEMA.names
    assert accounting.rows_repaired == 5
    assert [r.line for r in accounting.rejects] == [bad]
    assert any("every row ends with an extra empty field" in n for n in accounting.notes)


def test_96_field_row_in_a_trailing_comma_file_is_rejected_when_nothing_is_extra(tmp_path):
    doj = DojText()
    for _ in range(3):
        doj.raw(csv_line(fields(doj.next_line)) + ",")
    bad = doj.raw(csv_line(fields(doj.next_line) + ["X"]))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and accounting.rows_repaired == 3
    assert [(r.line, r.reason) for r in accounting.rejects] == \
        [(bad, "has 96 fields, expected 95 (no empty field can be the extra one)")]
    assert accounting.rejects[0].text == doj.lines[-1]


def test_without_separator_values_only_an_empty_last_field_is_dropped(tmp_path):
    doj = DojText()
    empty_separators = dict.fromkeys(SEPARATORS, "")
    doj.row(**empty_separators)
    fixed = doj.raw(csv_line(fields(3, **empty_separators)) + ",")
    values = fields(4, OFN="C1", **empty_separators)
    values.insert(DOJ_COLUMNS.index("OFN"), "")
    values[-1] = "END"
    bad = doj.raw(csv_line(values))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table[SOURCE_LINE].to_pylist() == [2, fixed]
    assert [r.line for r in accounting.rejects] == [bad]
    assert "not the empty last one" in accounting.rejects[0].reason


def test_repeated_header_line_is_skipped_and_counted(tmp_path):
    doj = DojText()
    doj.rows(2)
    again = doj.raw(HEADER)
    doj.rows(2)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 4 and lines_match(table)
    assert accounting.header_lines == 2 and balanced(accounting)
    assert any(f"header line appears again at line(s) {again}" in n for n in accounting.notes)


def test_every_line_is_accounted_for_in_a_messy_file(tmp_path):
    doj = DojText()
    doj.rows(3, subject="A")
    doj.raw("")
    doj.raw(csv_line(fields(doj.next_line, "A")) + ",")  # repaired
    doj.raw(truncated(doj.next_line, "A", keep=30))  # rejected
    doj.row("B", COMMENT_TEXT="TWO\nLINES")
    doj.raw("  ")
    doj.raw('1,"never closed')
    doj.rows(2, subject="C")
    path = doj.write(tmp_path / "doj.csv", eol="\r\n")
    table, accounting = read(path)
    report = accounting.files[0]
    assert (report.header_lines, report.blank_lines, report.rows, report.repaired,
            report.rejected) == (1, 2, 7, 1, 2)
    assert report.lines == 12 and report.physical_lines == 13
    assert balanced(accounting) and lines_match(table)
    summary = accounting.as_dict()
    assert summary["lines_read"] == (summary["header_lines"] + summary["blank_lines"]
                                     + summary["rows_read"] + summary["rows_rejected"])


def test_quoted_newline_across_a_parallel_parse_piece_is_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "PIECE_BYTES", 1000)  # pieces of ~2 rows
    doj = DojText()
    doj.raw("")  # a blank line sends the block to the careful path
    for k in range(12):
        doj.row(f"P{k}", COMMENT_TEXT="LINE ONE\nLINE TWO" if k % 3 == 1 else "")
    doj.raw(truncated(doj.next_line))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 12 and lines_match(table)
    assert accounting.rows_rejected == 1 and balanced(accounting)


def test_random_defects_never_lose_a_line(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "PIECE_BYTES", 3000)  # many parallel parse pieces
    rng = random.Random(7)
    for trial in range(8):
        doj = DojText(header=rng.random() < 0.5)
        good, bad = 0, 0
        for person in range(rng.randint(5, 25)):
            for _ in range(rng.randint(1, 6)):
                kind = rng.random()
                line = doj.next_line
                if kind < 0.70:
                    doj.row(f"P{person}")
                    good += 1
                elif kind < 0.75:
                    doj.raw(csv_line(fields(line, f"P{person}")) + ",")
                    good += 1
                elif kind < 0.80:
                    doj.row(f"P{person}", COMMENT_TEXT="A\nB")
                    good += 1
                elif kind < 0.85:
                    doj.raw(truncated(line, f"P{person}"))
                    bad += 1
                elif kind < 0.90:
                    doj.raw(f'{line},,P{person},"#,open quote')
                    bad += 1
                else:
                    doj.raw("")
        path = doj.write(tmp_path / f"doj{trial}.csv", eol=rng.choice(["\n", "\r\n"]))
        if good == 0:
            continue
        for batch_bytes in (64, 600, 64 << 20):
            table, accounting = read(path, batch_bytes=batch_bytes)
            assert table.num_rows == good, (trial, batch_bytes)
            assert accounting.rows_rejected == bad, (trial, batch_bytes)
            assert lines_match(table) and balanced(accounting), (trial, batch_bytes)


# ---------------------------------------------------------------------------------------
# Lines that read as CSV but cannot be used as rows as they are


def test_a_row_longer_than_the_parse_chunk_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "PARSE_CHUNK", 4096)  # a row of ~6 KB straddles chunks
    doj = DojText()
    doj.row()
    long = doj.row(COMMENT_TEXT="X" * 6000)
    doj.rows(20)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 22 and lines_match(table) and balanced(accounting)
    assert table["COMMENT_TEXT"][1].as_py() == "X" * 6000 and long == 3
    assert accounting.rejects == [] and accounting.notes == []


@pytest.mark.parametrize("careful", [False, True])  # a quoted line break: parsed in pieces
def test_a_value_too_long_for_doj_data_costs_only_its_own_line(tmp_path, monkeypatch, careful):
    monkeypatch.setattr(limits, "PARSE_CHUNK", 4096)
    monkeypatch.setattr(limits, "PIECE_BYTES", 4096)
    monkeypatch.setattr(limits, "VALUE_LIMIT", 5000)
    doj = DojText()
    doj.row(COMMENT_TEXT="TWO\nLINES" if careful else "")
    bad = doj.row(COMMENT_TEXT="X" * 9000)
    doj.rows(20)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 21 and lines_match(table) and balanced(accounting)
    assert [(r.line, r.reason) for r in accounting.rejects] == [
        (bad, "has a value of 9,000 characters (COMMENT_TEXT); no DOJ value is that long")]
    assert len(accounting.rejects[0].text) == 300


def test_a_value_too_long_in_a_row_read_in_python_is_rejected_too(tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "VALUE_LIMIT", 5000)
    doj = DojText()
    doj.row()
    bad = doj.raw(csv_line(fields(3, COMMENT_TEXT="X" * 9000)) + ",")  # 96 fields: Python
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and lines_match(table) and balanced(accounting)
    assert [(r.line, r.reason) for r in accounting.rejects] == [
        (bad, "has a value of 9,000 characters (COMMENT_TEXT); no DOJ value is that long")]


def test_a_line_written_twice_is_read_once_and_the_repeat_rejected(tmp_path):
    doj = DojText(header=True)
    doj.row()
    twice = csv_line(fields(0, SENT_ORDER="001", SENT_LENGTH="1", SENT_TIME_CODE="Y"))
    first = doj.raw(twice)
    again = doj.raw(twice)
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table[SOURCE_LINE].to_pylist() == [2, first, 5] and balanced(accounting)
    assert [(r.line, r.reason) for r in accounting.rejects] == \
        [(again, f"repeats line {first} exactly")]
    assert accounting.notes == [f"{tmp_path / 'doj.csv'}: 1 line(s) rejected (see rejects), "
                                f"e.g. line {again} repeats line {first} exactly"]


def test_sentence_parts_of_one_count_are_not_repeats(tmp_path):
    # DOJ writes one row per sentence part: same person, cycle, step and count, other
    # SENT_ORDER and length; and rows may share everything but one character
    doj = DojText(header=False)
    parts = [dict(SENT_ORDER="001", SENT_LENGTH="2", SENT_TIME_CODE="Y"),
             dict(SENT_ORDER="002", SENT_LENGTH="6", SENT_TIME_CODE="M"),
             dict(SENT_ORDER="002", SENT_LENGTH="6", SENT_TIME_CODE="D")]
    for part in parts:
        doj.raw(csv_line(fields(0, **part)))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and accounting.rejects == [] and accounting.notes == []


@pytest.mark.parametrize("small_table", [0, 2000])  # hash group-by, or grouped in Python
def test_a_repeat_away_from_its_original_and_across_blocks_is_found(tmp_path, monkeypatch,
                                                                   small_table):
    # the same person's rows written twice over (A B C A B C), in blocks of ~1 row each
    monkeypatch.setattr(limits, "SMALL_TABLE", small_table)
    doj = DojText(header=False)
    rows = [csv_line(fields(0, CNT_ORDER=f"00100200{k}000")) for k in range(1, 4)]
    for text in rows + rows:
        doj.raw(text)
    doj.row("S2")
    path = doj.write(tmp_path / "doj.csv")
    for batch_bytes in (64, 700, 64 << 20):
        table, accounting = read(path, batch_bytes=batch_bytes)
        assert table[SOURCE_LINE].to_pylist() == [1, 2, 3, 7], batch_bytes
        assert [(r.line, r.reason) for r in accounting.rejects] == [
            (4, "repeats line 1 exactly"), (5, "repeats line 2 exactly"),
            (6, "repeats line 3 exactly")], batch_bytes
        assert balanced(accounting)


def test_a_repeat_is_found_when_record_ids_only_increase_elsewhere(tmp_path):
    doj = DojText()
    doj.rows(5)
    again = doj.raw(doj.lines[3])  # line 4 again: RECORD_ID 4 comes back
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 6 and balanced(accounting)
    assert [(r.line, r.reason) for r in accounting.rejects] == [(again, "repeats line 4 exactly")]


@pytest.mark.parametrize("small_table", [0, 2000])
def test_random_repeats_within_persons_are_found_whatever_the_block_size(tmp_path, monkeypatch,
                                                                         small_table):
    monkeypatch.setattr(limits, "SMALL_TABLE", small_table)
    rng = random.Random(11)
    for trial in range(3):
        lines: list[str] = []
        for person in range(rng.randint(3, 8)):
            own = [csv_line(fields(0, f"P{person}", CNT_ORDER=f"{k:012d}",
                                   COMMENT_TEXT="A\nB" if rng.random() < 0.1 else ""))
                   for k in range(rng.randint(1, 5))]
            for _ in range(rng.randint(0, 3)):  # some of the person's lines again, anywhere
                own.insert(rng.randint(0, len(own)), rng.choice(own))
            lines += own
        text = "\n".join(lines) + "\n"
        path = tmp_path / f"doj{trial}.csv"
        path.write_text(text)
        first: dict[str, int] = {}
        expected, number = [], 1
        for line in lines:
            if line in first:
                expected.append((number, f"repeats line {first[line]} exactly"))
            first.setdefault(line, number)
            number += line.count("\n") + 1
        for batch_bytes in (64, 1500, 64 << 20):
            table, accounting = read(path, batch_bytes=batch_bytes)
            assert [(r.line, r.reason) for r in accounting.rejects] == expected, batch_bytes
            assert table.num_rows == len(first) and balanced(accounting), batch_bytes


def test_lines_equal_in_values_but_not_in_bytes_are_not_repeats(tmp_path):
    doj = DojText(header=False)
    text = csv_line(fields(0))
    doj.raw(text)
    doj.raw(text.replace(",S1,", ',"S1",'))  # the same values, quoted differently
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and accounting.rejects == []


def test_a_quote_inside_a_quoted_value_is_kept_as_written_with_a_note(tmp_path):
    doj = DojText()
    doj.row()
    line = doj.raw(with_raw(3, '"DOE,JANE "JJ" Q"', column="PRI_NAME"))
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and lines_match(table) and balanced(accounting)
    assert table["PRI_NAME"][1].as_py() == 'DOE,JANE "JJ" Q'
    assert accounting.notes == [
        f'{tmp_path / "doj.csv"}: 1 row(s) have a quote (") inside a quoted value that is '
        f"not doubled; kept as written, at line(s) {line}"]


def test_a_quote_inside_a_quoted_value_with_a_comma_after_it_is_kept_as_written(tmp_path):
    # pyarrow splits this value in two (96 fields); read as written it is one value
    doj = DojText()
    doj.row()
    doj.raw(with_raw(3, '"DOE,JANE "J,J" Q"', column="PRI_NAME"))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and lines_match(table) and accounting.rejects == []
    assert table["PRI_NAME"][1].as_py() == 'DOE,JANE "J,J" Q'
    assert len(accounting.notes) == 1 and "kept as written, at line(s) 3" in accounting.notes[0]


def test_a_quote_that_cannot_be_read_as_written_rejects_its_line(tmp_path):
    doj = DojText()
    doj.row()
    # pyarrow reads 95 fields (OFN `CS 0001""`), but as written the quote never closes
    bad = doj.raw(with_raw(3, '"CS "0001""', column="OFN"))
    # pyarrow reads 96 fields; as written, 96 too (the quote before the comma closes)
    also = doj.raw(with_raw(4, '"CS "0001", 2"', column="OFN"))
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and lines_match(table) and balanced(accounting)
    reason = ('has a quote (") inside a quoted value that is not doubled, and its fields '
              "cannot be told apart")
    assert [(r.line, r.reason) for r in accounting.rejects] == [(bad, reason), (also, reason)]


def test_doubled_quotes_and_stray_quotes_in_unquoted_values_need_no_note(tmp_path):
    doj = DojText()
    doj.row(PRI_NAME='DOE,JANE "JJ" Q')  # written by csv as "DOE,JANE ""JJ"" Q"
    doj.raw(with_raw(3, '1" PIPE', column="COMMENT_TEXT"))
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table["PRI_NAME"][0].as_py() == 'DOE,JANE "JJ" Q'
    assert table["COMMENT_TEXT"][1].as_py() == '1" PIPE'
    assert accounting.notes == [] and accounting.rejects == []


def test_split_as_written_reads_well_formed_records_like_split():
    for text in ['a,"b""c",d', 'a,b"c,d', '"",,"a,b"', 'a,"b\nc",d', '"""x""",y', "a,,"]:
        assert records.split_as_written(text) == _split(text)[0], text
    assert records.split_as_written('a,"b "c" d",e') == ["a", 'b "c" d', "e"]
    assert records.split_as_written('a,"open') is None


def test_lines_of_only_commas_are_blank_lines(tmp_path):
    doj = DojText()
    doj.row("A")
    doj.raw("," * 94)  # 95 empty fields, as a spreadsheet writes an empty row
    doj.row("A")
    doj.raw("," * 120)
    doj.raw(" , ,")
    doj.row("B")
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 3 and lines_match(table) and balanced(accounting)
    assert accounting.blank_lines == 3 and accounting.rows_rejected == 0
    assert accounting.notes == []  # person A is not split by the empty row


def test_lines_of_only_commas_in_a_trailing_comma_file_are_blank_lines(tmp_path):
    doj = DojText()
    doj.lines[0] += ","
    for k in range(4):
        doj.raw(csv_line(fields(doj.next_line)) + ",")
        if k == 1:
            doj.raw("," * 95)
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 4 and lines_match(table) and balanced(accounting)
    assert accounting.blank_lines == 1 and accounting.rows_repaired == 4


def test_a_row_without_subject_id_is_rejected_it_cannot_be_linked_to_a_person(tmp_path):
    doj = DojText()
    doj.row()
    empty = doj.row(subject="")
    placeholder = doj.row(subject="NULL")
    doj.row()
    table, accounting = read(doj.write(tmp_path / "doj.csv"))
    assert table.num_rows == 2 and lines_match(table) and balanced(accounting)
    reason = ("has an empty SUBJECT_ID: the row cannot be linked to a person's history; "
              "check it by hand")
    assert [(r.line, r.reason) for r in accounting.rejects] == \
        [(empty, reason), (placeholder, reason)]


def test_blank_lines_and_header_longer_than_the_first_block_are_counted_once(tmp_path):
    doj = DojText(header=False)
    for _ in range(30):
        doj.raw("")
    doj.raw(HEADER)
    doj.rows(3)
    path = doj.write(tmp_path / "doj.csv")
    for batch_bytes in (1, 64, 5000, 64 << 20):
        table, accounting = read(path, batch_bytes=batch_bytes)
        report = accounting.files[0]
        assert (report.header_lines, report.blank_lines, report.rows) == (1, 30, 3), batch_bytes
        assert lines_match(table) and balanced(accounting) and accounting.notes == []


# ---------------------------------------------------------------------------------------
# Not a DOJ file


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "nowhere.csv")
    assert "nowhere.csv" in error.value.where and "not found" in error.value.what


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_bytes(b"")
    with pytest.raises(DojFileError, match="empty"):
        read(tmp_path / "doj.csv")


def test_file_of_blank_lines_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_bytes(b"\n  \r\n\n")
    with pytest.raises(DojFileError, match="blank"):
        read(tmp_path / "doj.csv")


def test_binary_file_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_bytes(b"RECORD_ID\n\x00\x01\x02\x03" * 10)
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "doj.csv")
    assert error.value.where.endswith("line 2") and "binary" in error.value.what


def test_nul_padding_after_the_rows_is_refused_in_the_block_that_holds_it(tmp_path):
    path = DojText().rows(3).write(tmp_path / "doj.csv")
    size = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b"\x00" * (40 << 20))  # a block of 1 KB: found in the first that holds it
    with pytest.raises(DojFileError) as error:
        read(path, batch_bytes=1024)
    assert str(error.value) == (
        f"{path}, line 5: contains binary data (NUL bytes) from byte {size:,} on; it is not "
        "a text file (a damaged or padded copy?). Get a complete, undamaged copy of the "
        "research file (from DOJ, or from where it was copied) and give that")


def test_a_binary_tail_without_line_ends_is_refused_without_reading_it_all(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setattr(limits, "LINE_LIMIT", 1 << 20)
    path = DojText().rows(3).write(tmp_path / "doj.csv")
    size = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b"\xff" * (8 << 20))
    with pytest.raises(DojFileError) as error:
        read(path, batch_bytes=1024)
    assert str(error.value) == (
        f"{path}, line 5: has no line end in 1 MB from byte {size:,} on; no DOJ row is that "
        "long (a damaged file with a binary tail?). Get a complete, undamaged copy of the "
        "research file (from DOJ, or from where it was copied) and give that")


def test_no_path_at_all_is_refused():
    with pytest.raises(DojFileError, match="no DOJ research file"):
        read()


def test_folder_is_refused(tmp_path):
    with pytest.raises(DojFileError, match="folder"):
        read(tmp_path)


def test_utf16_file_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_bytes(DojText().rows(2).text().encode("utf-16"))
    with pytest.raises(DojFileError, match="UTF-16"):
        read(tmp_path / "doj.csv")


@pytest.mark.parametrize(("encoding", "named"), [
    ("utf-16", "UTF-16 text (Excel 'Unicode Text')"),
    ("utf-16-le", "UTF-16 text (Excel 'Unicode Text')"),
    ("utf-16-be", "UTF-16 text (Excel 'Unicode Text')"),
    ("utf-32", "UTF-32 text"), ("utf-32-le", "UTF-32 text"), ("utf-32-be", "UTF-32 text"),
])
def test_wide_text_is_named_for_its_encoding_with_or_without_a_byte_order_mark(
        tmp_path, encoding, named):
    path = DojText().rows(2).write(tmp_path / "doj.csv", encoding=encoding)
    with pytest.raises(DojFileError) as error:
        read(path)
    assert error.value.what == f"is {named}, not the 8-bit text of a DOJ research file"


def test_excel_workbook_is_refused(tmp_path):
    (tmp_path / "doj.xlsx").write_bytes(b"PK\x03\x04" + b"\x14" * 100)
    with pytest.raises(DojFileError, match="Excel workbook"):
        read(tmp_path / "doj.xlsx")


def test_excel_workbook_under_another_name_is_refused_as_a_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "doj.csv", "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DojFileError, match="is an Excel workbook, not a CSV text file"):
        read(tmp_path / "doj.csv")


def test_zip_archive_is_refused_naming_what_it_holds(tmp_path):
    with zipfile.ZipFile(tmp_path / "doj.zip", "w") as archive:
        archive.writestr("county/", "")
        archive.writestr("county/doj_research_file.csv", DojText().rows(2).text())
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "doj.zip")
    assert str(error.value) == (
        f"{tmp_path / 'doj.zip'}: is a zip archive (it holds county/doj_research_file.csv), "
        "not a CSV text file. Extract the research file (.csv) from it and give that file")


@pytest.mark.parametrize("kind, data", [
    ("a compressed file (gzip)", lambda text: gzip.compress(text)),
    ("a compressed file (bzip2)", lambda text: bz2.compress(text)),
    ("a compressed file (xz)", lambda text: lzma.compress(text)),
])
def test_compressed_file_is_refused_saying_to_decompress_it(tmp_path, kind, data):
    (tmp_path / "doj.csv.gz").write_bytes(data(DojText().rows(2).text().encode()))
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "doj.csv.gz")
    assert str(error.value) == (f"{tmp_path / 'doj.csv.gz'}: is {kind}, not a CSV text file. "
                                "Decompress it and give the .csv file inside")


def test_semicolon_file_is_refused_naming_the_delimiter(tmp_path):
    text = DojText().rows(3).text().replace(",", ";")
    (tmp_path / "doj.csv").write_text(text)
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "doj.csv")
    assert error.value.where.endswith("line 1")
    assert "semicolons (;)" in error.value.what and error.value.fix


def test_semicolon_file_without_header_is_refused_naming_the_delimiter(tmp_path):
    text = DojText(header=False).rows(3).text().replace(",", ";")
    (tmp_path / "doj.csv").write_text(text)
    with pytest.raises(DojFileError, match="semicolons"):
        read(tmp_path / "doj.csv")


def test_file_of_other_rows_is_refused_with_their_field_count(tmp_path):
    (tmp_path / "other.csv").write_text("\n".join(",".join(["1"] * 12) for _ in range(5)))
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "other.csv")
    assert "12 field(s), not the 95" in error.value.what
    assert error.value.where == f"{tmp_path / 'other.csv'}, line 1"


def test_header_only_file_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_text(HEADER + "\n")
    with pytest.raises(DojFileError) as error:
        read(tmp_path / "doj.csv")
    assert "header line but no data rows" in error.value.what
    assert error.value.where.endswith("line 2")


def test_header_with_a_missing_column_is_refused_naming_it(tmp_path):
    doj = DojText().rows(2)
    doj.lines[0] = HEADER.replace("PRI_DOB,", "")
    with pytest.raises(DojFileError) as error:
        read(doj.write(tmp_path / "doj.csv"))
    assert error.value.where.endswith("line 1")
    assert "1 column(s) missing: PRI_DOB" in error.value.what
    assert "95 columns" in error.value.fix


def test_header_with_unexpected_column_is_refused_naming_it(tmp_path):
    doj = DojText().rows(2)
    doj.lines[0] = HEADER.replace("PRI_DOB", "BIRTH_DATE")
    with pytest.raises(DojFileError, match="unexpected column.*BIRTH_DATE"):
        read(doj.write(tmp_path / "doj.csv"))


def test_header_with_columns_out_of_order_is_refused(tmp_path):
    doj = DojText().rows(2)
    doj.lines[0] = HEADER.replace("PRI_NAME,GENDER", "GENDER,PRI_NAME")
    with pytest.raises(DojFileError, match="column 13 is GENDER, expected PRI_NAME"):
        read(doj.write(tmp_path / "doj.csv"))


def test_header_with_a_repeated_column_is_refused(tmp_path):
    doj = DojText().rows(2)
    doj.lines[0] = HEADER + ",PRI_NAME"
    with pytest.raises(DojFileError, match="repeated column"):
        read(doj.write(tmp_path / "doj.csv"))


def test_other_systems_header_is_refused(tmp_path):
    (tmp_path / "doj.csv").write_text("PERSON_ID,FULL_NAME,BIRTH_DATE,CASE_NO,CHARGE_CODE\n"
                                      "1,A,19700101,X,Y\n")
    with pytest.raises(DojFileError, match="header that does not match"):
        read(tmp_path / "doj.csv")


def test_file_whose_rows_all_have_the_wrong_field_count_is_refused(tmp_path):
    doj = DojText()
    doj.raw(truncated(2))
    with pytest.raises(DojFileError) as error:
        read(doj.write(tmp_path / "doj.csv"))
    assert error.value.where.endswith("line 2") and "60 field(s)" in error.value.what


# ---------------------------------------------------------------------------------------
# Persons and batches


def test_person_split_only_by_the_batch_boundary_stays_together(tmp_path):
    doj = DojText()
    sizes = [3, 1, 7, 2, 5, 1, 4]
    for person, size in enumerate(sizes):
        doj.rows(size, subject=f"P{person}")
    path = doj.write(tmp_path / "doj.csv")
    accounting = RowAccounting()
    batches = list(iter_person_batches([path], accounting, batch_bytes=1500))
    assert len(batches) > 2
    owners: dict[str, int] = {}
    for number, batch in enumerate(batches):
        for person in set(batch["SUBJECT_ID"].to_pylist()):
            assert owners.setdefault(person, number) == number, person
    table = pa.concat_tables(batches)
    assert table.num_rows == sum(sizes) and lines_match(table)
    assert table["SUBJECT_ID"].to_pylist().count("P2") == 7


def test_person_larger_than_a_batch_is_one_batch(tmp_path):
    doj = DojText()
    doj.rows(2, subject="A").rows(30, subject="BIG").rows(2, subject="C")
    batches = list(iter_person_batches([doj.write(tmp_path / "doj.csv")], RowAccounting(),
                                       batch_bytes=600))
    big = [b for b in batches if "BIG" in b["SUBJECT_ID"].to_pylist()]
    assert len(big) == 1 and big[0]["SUBJECT_ID"].to_pylist().count("BIG") == 30


def test_non_contiguous_person_is_noted_with_the_lines(tmp_path):
    doj = DojText()
    first = doj.row("A")
    doj.row("B")
    again = doj.row("A")
    _, accounting = read(doj.write(tmp_path / "doj.csv"))
    [note] = [n for n in accounting.notes if "come back" in n]
    assert f"SUBJECT_ID A at line {first}" in note and f"again at line {again}" in note


def test_excel_resaved_file_is_noted(tmp_path):
    doj = DojText()
    doj.row(CII_NUMBER="1.23457E+11")
    doj.row(PRI_DOB="6/1/1979")
    path = doj.write(tmp_path / "doj.csv")
    _, accounting = read(path)
    [note] = [n for n in accounting.notes if "Excel" in n]
    assert "CII_NUMBER '1.23457E+11' at line 2 is in scientific notation" in note
    assert "PRI_DOB '6/1/1979' at line 3 is not a YYYYMMDD date" in note
    assert accounting.excel_resaved == [str(path)]


def test_several_files_are_read_in_order_into_one_stream(tmp_path):
    one = DojText().rows(2, subject="A").rows(1, subject="B").write(tmp_path / "one.csv")
    two = DojText(header=False).rows(2, subject="C").write(tmp_path / "two.csv")
    table, accounting = read(one, two, batch_bytes=300)
    assert table["SUBJECT_ID"].to_pylist() == ["A", "A", "B", "C", "C"]
    assert table[SOURCE_FILE].to_pylist() == [str(one)] * 3 + [str(two)] * 2
    assert table[SOURCE_LINE].to_pylist() == [2, 3, 4, 1, 2]
    assert [(f.name, f.rows) for f in accounting.files] == [("one.csv", 3), ("two.csv", 2)]
    assert accounting.rows_read == 5 and balanced(accounting)


def test_sha256_and_size_are_those_of_the_file(tmp_path):
    path = DojText().rows(40).write(tmp_path / "doj.csv")
    for batch_bytes in (700, 64 << 20):
        _, accounting = read(path, batch_bytes=batch_bytes)
        report = accounting.files[0]
        assert report.size_bytes == path.stat().st_size
        assert report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_stopping_early_is_clean(tmp_path):
    doj = DojText()
    for person in range(20):
        doj.rows(3, subject=f"P{person}")
    batches = iter_person_batches([doj.write(tmp_path / "doj.csv")], RowAccounting(),
                                  batch_bytes=500)
    first = next(batches)
    batches.close()
    assert first.num_rows > 0


def test_synthetic_county_file_is_read_completely(tmp_path):
    synthetic = pytest.importorskip("cmr_xl.synthetic")
    path = tmp_path / "county.csv"
    synthetic.generate_doj_file(path, county="SACRAMENTO", people=30, seed=3)
    expected = sum(1 for _ in path.open()) - 1
    for batch_bytes in (20_000, 64 << 20):
        table, accounting = read(path, batch_bytes=batch_bytes)
        assert table.num_rows == expected and accounting.rows_read == expected
        assert table[SOURCE_LINE].to_pylist() == list(range(2, expected + 2))
        assert accounting.notes == [] and balanced(accounting)


def test_an_old_mac_file_with_a_line_feed_inside_a_value_and_repeated_lines_is_read(tmp_path):
    """Found by the random-bytes property test: a file whose lines end in CR only, with a
    comment holding a line feed inside its quotes and the same record written several
    times, is read to its end: the repeats are rejected, nothing is lost or crashes."""
    repeated = fields(0, "S4", COMMENT_TEXT="CONVICTED BY PLEA\nSEE DOCKET")
    other = fields(0, "S1")
    body = [csv_line(r) for r in (repeated, other, repeated, other, other, repeated)]
    path = tmp_path / "old_mac.csv"
    path.write_bytes(("\r".join([",".join(DOJ_COLUMNS), *body])).encode())
    table, accounting = read(path)
    assert balanced(accounting)
    assert table.num_rows + accounting.rows_rejected == 6
    assert all("repeats line" in r.reason for r in accounting.rejects)
