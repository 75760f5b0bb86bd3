"""The xlwings Lite entry points as Pyodide runs them: no threads (starting one fails with
"can't start new thread"), files in Lite's Files panel under /data (a folder standing in
for it here). Import reads the DOJ file named under 'Import settings' from there; court
copies are written there, for download."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest
import xlwings as xw
from python_calamine import CalamineWorkbook
from test_addin_exports import assert_same_files
from xlwings_helpers import book_payload, xlwings_server

from cmr_xl.rules.results_columns import DETERMINATION
from cmr_xl.workbook import layout as L
from cmr_xl.xlwings_app import runtime

CLI = [sys.executable, "-m", "cmr_xl.cli"]


@pytest.fixture
def lite(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    subprocess.run(CLI + ["generate", "--county", "sacramento", "--people", "200", "--seed", "1",
                          "--out", str(data / "doj.csv")], check=True, capture_output=True)
    subprocess.run(CLI + ["run", str(data / "doj.csv"), "--county", "SACRAMENTO", "--as-of",
                          "2020-07-01", "--workbook", str(tmp_path / "ref.xlsx")],
                   check=True, capture_output=True)
    subprocess.run(CLI + ["new", str(tmp_path / "empty.xlsx")], check=True, capture_output=True)

    def no_threads(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(runtime, "LITE_DATA", data)
    monkeypatch.setattr(runtime, "is_lite", lambda: True)
    monkeypatch.setattr(threading.Thread, "start", no_threads)
    with xlwings_server() as xl:
        yield xl, tmp_path, data


def _run(xl, name, data):
    server, _, scripts = xl
    book = xw.Book(json=data)
    asyncio.run(server.custom_scripts_call(scripts, name, typehint_to_value={xw.Book: book}))
    return book.json()["actions"]


def _set(data, sheet, key, value):
    rows = next(s for s in data["sheets"] if s["name"] == sheet)["values"]
    next(r for r in rows if r[0] == key)[2] = value


def test_lite_imports_from_data_without_threads(lite):
    xl, root, _ = lite
    with pytest.raises(RuntimeError):
        threading.Thread(target=print).start()
    payload = book_payload(root / "empty.xlsx")
    _set(payload, L.CRITERIA, "run_county", "SACRAMENTO")
    _set(payload, L.CRITERIA, "run_doj_file", "doj.csv")  # a file of the Files panel
    _set(payload, L.CRITERIA, "as_of", 44013.0)  # 2020-07-01
    actions = _run(xl, "import_doj_file", payload)
    alerts = [a["args"][0] for a in actions if a["func"] == "alert"]
    assert alerts[0].startswith("Imported"), alerts
    ref = book_payload(root / "ref.xlsx")
    results = next(s for s in ref["sheets"] if s["name"] == L.RESULTS)["values"]
    first = results[0].index(DETERMINATION[0].label)
    written = {a["start_row"] + i: row for a in actions if a["func"] == "setValues"
               and a["sheet_position"] == 1 and a["start_column"] == 0
               for i, row in enumerate(a["values"])}
    assert [written[i][first] for i in range(1, len(results))] == [r[first] for r in results[1:]]


def test_lite_court_copies_go_to_data(lite):
    """The synthetic county has Hand review rows without a DA decision: the script
    export_court_copies refuses as `cmr-xl export` does; export_court_copies_send_pending
    writes to /data/court-copies the court copies `cmr-xl export --send-pending` writes."""
    xl, root, data = lite
    export = subprocess.run(CLI + ["export", str(root / "ref.xlsx"), "--out", str(root / "cli")],
                            capture_output=True, text=True)
    assert export.returncode == 2 and "no DA decision" in export.stderr, export.stderr
    actions = _run(xl, "export_court_copies", book_payload(root / "ref.xlsx"))
    alert = [a["args"][0] for a in actions if a["func"] == "alert"][0]
    assert alert.split(":", 1)[1].strip()[:60] in export.stderr, (alert, export.stderr)
    assert not (data / "court-copies").exists()

    subprocess.run(CLI + ["export", str(root / "ref.xlsx"), "--out", str(root / "cli"),
                          "--send-pending"], check=True, capture_output=True)
    actions = _run(xl, "export_court_copies_send_pending", book_payload(root / "ref.xlsx"))
    alert = [a["args"][0] for a in actions if a["func"] == "alert"][0]
    assert alert.startswith("Wrote") and "Files panel" in alert, alert
    # court copies, AB 1793 notices and summary.pdf, as `cmr-xl export` writes them
    names = assert_same_files(data / "court-copies", root / "cli")
    assert "summary.pdf" in names and any(n.startswith("ab1793-notice_") for n in names)
    copies = [n for n in names if n.startswith("court-copy_")]
    pending = sum("Pending DA review" in row for name in copies for row in
                  CalamineWorkbook.from_path(str(data / "court-copies" / name))
                  .get_sheet_by_name("Cases").to_python())
    assert pending  # the Hand review rows went as pending
