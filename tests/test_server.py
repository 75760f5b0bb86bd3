"""`cmr-xl serve` for real: the server runs as a subprocess on a free 127.0.0.1 port and is
called over HTTP as its Office.js client calls it (manifest, task pane, functions, every
script, the DOJ upload, sheets sent ahead in pieces, the court-copies download); answers
equal `cmr-xl run` / `export` on the same synthetic county. XLWINGS_LICENSE_KEY is
"noncommercial" (PolyForm Noncommercial: development use)."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from xlwings_helpers import function_call, sheet_values

from cmr_xl.rules.results_columns import DETERMINATION
from cmr_xl.workbook import layout as L

pytestmark = [pytest.mark.server, pytest.mark.skipif(
    importlib.util.find_spec("xlwings_server") is None,
    reason="xlwings Server is not installed: pip install 'cmr-xl[server]'")]
CLI = [sys.executable, "-m", "cmr_xl.cli"]
BOOK = [L.CRITERIA, L.RESULTS, L.SUMMARY, L.ABOUT]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    doj = root / "doj.csv"
    subprocess.run(CLI + ["generate", "--county", "sacramento", "--people", "200", "--seed", "1",
                          "--out", str(doj)], check=True, capture_output=True)
    subprocess.run(CLI + ["run", str(doj), "--county", "SACRAMENTO", "--as-of", "2020-07-01",
                          "--workbook", str(root / "ref.xlsx")], check=True, capture_output=True)
    subprocess.run(CLI + ["new", str(root / "empty.xlsx")], check=True, capture_output=True)
    export = subprocess.run(CLI + ["export", str(root / "ref.xlsx"), "--out",
                                   str(root / "copies")], capture_output=True, text=True)
    (root / "export.txt").write_text(f"{export.returncode}\n{export.stderr}")
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    temp = tmp_path_factory.mktemp("server-tmp")
    port = _free_port()
    env = {**os.environ, "XLWINGS_LICENSE_KEY": "noncommercial", "TMPDIR": str(temp)}
    process = subprocess.Popen(CLI + ["serve", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            if process.poll() is not None:
                pytest.fail(f"cmr-xl serve stopped: {process.stdout.read().decode()}")
            try:
                if _get(base + "/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("cmr-xl serve did not answer in 30 s")
        yield base, temp
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert not list(temp.glob("cmr-xl-serve-*")), "the project folder is removed at exit"


def _get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read()


def _post(url, body, content_type="application/json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


def _stage(base, sheets: dict, token=""):
    """As cmr.js does: each sheet in pieces of rows."""
    for name, rows in sheets.items():
        for start in range(0, len(rows), 500):
            token = _post(base + "/cmr/stage", {"staged": token, "sheet": name, "start": start,
                                                "rows": rows[start:start + 500]})["staged"]
    return token


def _lazy_payload(path: Path, include):
    """getBookData({include, lazy: true}): structure, no values."""
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    sheets = []
    for name in names:
        values = sheet_values(path, name)
        sheets.append({"name": name, "values": [[]], "pictures": [], "tables": [],
                       "used_range_address": f"A1:{_col(len(values[0]))}{len(values)}"
                       if name in include else None})
    return {"client": "Office.js", "version": "0.37.8",
            "book": {"name": path.name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def _col(n):
    text = ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(65 + rest) + text
    return text


def _script(base, name, path, include, args):
    payload = _lazy_payload(path, include)
    payload["args"] = args
    return _post(f"{base}/xlwings/custom-scripts-call/{name}", payload)["actions"]


def _alerts(actions):
    return [a["args"][0] for a in actions if a["func"] == "alert"]


def _written(actions, position, first_col):
    rows = {}
    for a in actions:
        if a["func"] == "setValues" and a["sheet_position"] == position and (
                a["start_column"] == first_col):
            for offset, row in enumerate(a["values"]):
                rows[a["start_row"] + offset] = row
    return rows


def _determinations(path: Path):
    rows = sheet_values(path, L.RESULTS)
    first = rows[0].index(DETERMINATION[0].label)
    return first, [r[first] for r in rows[1:]]


def test_manifest_task_pane_and_registrations(server):
    base, _ = server
    status, manifest = _get(base + "/manifest")
    text = manifest.decode()
    assert status == 200 and 'DefaultValue="CMR"' in text and "cmr-recalculate" in text
    assert "hello" not in text.lower() and "MyTab" not in text
    pane = _get(base + "/taskpane.html")[1].decode()
    assert "cmr-import" in pane and "cmr-court-copies" in pane and "hello" not in pane.lower()
    assert "cmr-send-pending" in pane  # the box that sends Hand review rows as pending
    assert "cmr-recalculate" in _get(base + "/static/js/ribbon.js")[1].decode()
    functions = json.loads(_get(base + "/xlwings/custom-functions-meta")[1])["functions"]
    assert {f["name"] for f in functions} == {"CMR_DETERMINE", "CMR_CRITERIA_SENTENCES",
                                             "CMR_VERSION"}
    scripts = json.loads(_get(base + "/xlwings/custom-scripts-meta")[1])
    assert {s["function_name"] for s in scripts} == {
        "import_doj_file", "recalculate", "make_live", "freeze_results", "export_court_copies"}
    assert all(s["include"] for s in scripts)  # only the sheets each needs
    cors = urllib.request.Request(base + "/xlwings/custom-functions-call", method="OPTIONS",
                                  headers={"Origin": "https://evil.example",
                                           "Access-Control-Request-Method": "POST"})
    with pytest.raises(urllib.error.HTTPError):  # no cross-site origin by default
        urllib.request.urlopen(cors, timeout=30)


def test_functions_equal_the_command_line(server, county):
    base, _ = server
    ref = county / "ref.xlsx"
    results, criteria = sheet_values(ref, L.RESULTS), sheet_values(ref, L.CRITERIA)
    cells = L.criterion_cells()
    block = [row[:3] for row in criteria[cells[0].row:cells[-1].row + 1]]
    first, expected = _determinations(ref)
    facts = [row[:first] for row in results]
    answer = _post(base + "/xlwings/custom-functions-call",
                   function_call("cmr_determine", facts, block))["result"]
    assert [row[0] for row in answer] == expected
    sentences = _post(base + "/xlwings/custom-functions-call",
                      function_call("cmr_criteria_sentences", block))["result"]
    assert len(sentences) > 5 and all(isinstance(r[0], str) for r in sentences)
    version = _post(base + "/xlwings/custom-functions-call", function_call("cmr_version"))
    assert version["result"][0][0].startswith("cmr-xl ")


def test_upload_import_equals_cmr_xl_run(server, county):
    base, temp = server
    empty = county / "empty.xlsx"
    criteria = sheet_values(empty, L.CRITERIA)
    row = next(i for i, r in enumerate(criteria) if r[0] == "run_county")
    criteria[row][2] = "SACRAMENTO"
    as_of = next(i for i, r in enumerate(criteria) if r[0] == "as_of")
    criteria[as_of][2] = 44013.0  # 2020-07-01 as Excel's serial number
    upload = _post(base + "/cmr/upload?name=doj.csv", (county / "doj.csv").read_bytes(),
                   "application/octet-stream")["upload"]
    staged = _stage(base, {L.CRITERIA: criteria, L.SUMMARY: sheet_values(empty, L.SUMMARY),
                           L.ABOUT: sheet_values(empty, L.ABOUT)})
    actions = _script(base, "import_doj_file", empty, BOOK, [upload, staged])
    assert _alerts(actions)[0].startswith("Imported"), _alerts(actions)
    first, expected = _determinations(county / "ref.xlsx")
    written = _written(actions, 1, 0)
    assert [written[i][first] for i in range(1, len(expected) + 1)] == expected
    assert not [p for p in temp.rglob("*") if p.is_file() and "staging" in p.parts], \
        "the uploaded DOJ file and the staged rows are deleted after the import"


def test_recalculate_make_live_freeze_and_export_script(server, county):
    base, _ = server
    ref = county / "ref.xlsx"
    sheets = {name: sheet_values(ref, name) for name in BOOK}
    actions = _script(base, "recalculate", ref, BOOK, [_stage(base, sheets)])
    assert _alerts(actions)[0].startswith("Recalculated"), _alerts(actions)
    first, expected = _determinations(ref)
    written = _written(actions, 1, first)
    assert [written[i][0] for i in range(1, len(expected) + 1)] == expected

    actions = _script(base, "make_live", ref, [L.RESULTS, "Live"],
                      [_stage(base, {L.RESULTS: sheets[L.RESULTS]})])
    blocks = [a["values"] for a in actions if a["func"] == "setFormula"
              and str(a["values"]).startswith("[['=CMR.CMR_DETERMINE(")]
    assert blocks, _alerts(actions)

    actions = _script(base, "freeze_results", ref, [L.RESULTS],
                      [_stage(base, {L.RESULTS: sheets[L.RESULTS]})])
    assert _alerts(actions)[0].startswith("Froze")

    actions = _script(base, "export_court_copies", ref, BOOK, [])
    assert "task pane" in _alerts(actions)[0]


def _same_files(data: bytes, folder: Path) -> list[str]:
    """The zip holds exactly the files of `folder`, each with the same content: every
    sheet of every workbook cell for cell, summary.pdf's text (its bytes carry the time)."""
    expected = sorted(p.name for p in folder.iterdir())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == expected
        for name in expected:
            got, want = archive.read(name), (folder / name).read_bytes()
            if name.endswith(".xlsx"):
                got_book = CalamineWorkbook.from_filelike(io.BytesIO(got))
                want_book = CalamineWorkbook.from_filelike(io.BytesIO(want))
                assert got_book.sheet_names == want_book.sheet_names, name
                for sheet in want_book.sheet_names:
                    assert _timeless(got_book.get_sheet_by_name(sheet).to_python()) == \
                        _timeless(want_book.get_sheet_by_name(sheet).to_python()), (name, sheet)
            elif name.endswith(".pdf") and shutil.which("pdftotext"):
                assert _pdf_text(got) == _pdf_text(want), name
            elif not name.endswith(".pdf"):
                assert got == want, name
    return expected


def _timeless(rows: list[list]) -> list[list]:
    """A sheet's rows without the time it was made ('Court copy exported (UTC)')."""
    return [row for row in rows if not (row and str(row[0]).endswith("(UTC)"))]


def _pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_court_copies_refused_as_cmr_xl_export_refuses(server, county):
    """The synthetic county has Hand review rows without a DA decision: `cmr-xl export`
    refuses it, and so does the task pane's Court copies (box not ticked)."""
    base, _ = server
    status, message = (county / "export.txt").read_text().split("\n", 1)
    assert status == "2" and "no DA decision" in message, message
    with pytest.raises(urllib.error.HTTPError) as refused:
        _post(base + "/cmr/court-copies?name=ref.xlsx", (county / "ref.xlsx").read_bytes(),
              "application/octet-stream")
    assert refused.value.code == 400
    why = json.loads(refused.value.read())["detail"]
    assert why.split(":", 1)[1].strip()[:60] in message


def test_court_copies_zip_equals_cmr_xl_export_send_pending(server, county, tmp_path):
    """The clerk ticks "send pending" and presses Court copies: the zip downloaded holds
    what `cmr-xl export --send-pending` writes for the same workbook, file for file."""
    base, _ = server
    subprocess.run(CLI + ["export", str(county / "ref.xlsx"), "--out", str(tmp_path / "cli"),
                          "--send-pending"], check=True, capture_output=True)
    answer = _post(base + "/cmr/court-copies?name=ref.xlsx&send_pending=true",
                   (county / "ref.xlsx").read_bytes(), "application/octet-stream")
    status, data = _get(base + answer["download"])
    assert status == 200
    names = _same_files(data, tmp_path / "cli")
    assert names == answer["files"]
    assert {"summary.pdf"} < set(names) and any(n.startswith("court-copy_") for n in names)
    pending = [row for name in names if name.startswith("court-copy_")
               for row in CalamineWorkbook.from_filelike(io.BytesIO(
                   zipfile.ZipFile(io.BytesIO(data)).read(name))).get_sheet_by_name(
                   "Cases").to_python() if "Pending DA review" in row]
    assert pending  # the Hand review rows went as pending
    with pytest.raises(urllib.error.HTTPError):  # given once
        _get(base + answer["download"])
