"""Render each sheet of a filled demo workbook to docs/img/<sheet>.png, and what
`cmr-xl export` gives the court: a court copy, an AB 1793 notice and summary.pdf.

    python docs/render_images.py

A synthetic county (never real data) is run with the default criteria and one what-if
scenario, written as a workbook, then each sheet is printed alone by LibreOffice
headless to PDF (a private profile, recalculation on load) and its first page turned
into a PNG with poppler's pdftoppm. The court copy and the notice are printed as they
are, with their own page setup (header, PC 11105 footer, page numbers): the pictures
show whole printed pages, so anything cut off shows. Needs `soffice` and `pdftoppm`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.print_settings import PrintArea

from cmr_xl.rules.criteria import Criteria
from cmr_xl.engine.pipeline import run
from cmr_xl.synthetic import generate_doj_file
from cmr_xl.workbook import layout as L
from cmr_xl.workbook.court_copies import export_for_courts
from cmr_xl.workbook.writer import write_workbook

IMG = Path(__file__).resolve().parent / "img"
DPI = 220
SHEETS = {L.CRITERIA: "A1:G40", L.RESULTS: "A1:AO30", L.SUMMARY: None, L.ABOUT: "A1:C42"}
PROFILE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name='
    '"OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n</oor:items>\n'
)


def demo_workbook(folder: Path) -> Path:
    doj = folder / "synthetic_doj_sacramento.csv"
    generate_doj_file(doj, county="SACRAMENTO", people=400, seed=64)
    criteria = Criteria()
    scenario = criteria.with_changes(name="Dismiss all HS 11359 felonies", felony_11359="dismiss")
    result = run([doj], "SACRAMENTO", criteria, [scenario])
    return write_workbook(result, folder / "cmr-xl-sacramento.xlsx")


def one_sheet(book: Path, sheet: str, target: Path) -> Path:
    """A copy in which only `sheet` is visible, printed landscape on one page wide."""
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        ws.sheet_state = "visible" if ws.title == sheet else "hidden"
        if ws.title != sheet:  # LibreOffice prints a hidden sheet's print area too
            ws._print_area = PrintArea()  # empty: no print area
            ws.print_title_rows = None
    ws = wb[sheet]
    wb.active = wb.worksheets.index(ws)
    if SHEETS[sheet] is None:  # printed as the workbook sets it up (the Summary: one page)
        wb.save(target)
        return target
    ws.print_area = SHEETS[sheet]
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.2, right=0.2, top=0.2, bottom=0.2)
    ws.print_options.gridLines = sheet == L.RESULTS
    if sheet == L.RESULTS:  # the picture shows the start of each decision trace
        ws.column_dimensions["AO"].width = 70
    wb.save(target)
    return target


def content_box(pdf: Path) -> tuple[float, float, float, float]:
    """The printed area of page 1 in points (words found by pdftotext; the Summary's
    chart sits between its words), so that the picture is cropped to what was printed."""
    html = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    boxes = [tuple(float(v) for v in m) for m in re.findall(
        r'xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)"', html)]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def render(book: Path, work: Path) -> list[Path]:
    profile = work / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(PROFILE, encoding="utf-8")
    IMG.mkdir(exist_ok=True)
    made = []
    for sheet in SHEETS:
        copy = one_sheet(book, sheet, work / f"{sheet.lower()}.xlsx")
        subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                        "--convert-to", "pdf", "--outdir", str(work), str(copy)],
                       check=True, capture_output=True, timeout=180)
        png = IMG / sheet.lower()
        pdf = copy.with_suffix(".pdf")
        x0, y0, x1, y1 = content_box(pdf)
        scale = DPI / 72
        box = [str(round(v)) for v in (x0 * scale - 8, y0 * scale - 8, (x1 - x0) * scale + 16,
                                       (y1 - y0) * scale + 16)]
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                        "-x", box[0], "-y", box[1], "-W", box[2], "-H", box[3], str(pdf),
                        str(png)], check=True, timeout=60)
        made.append(png.with_suffix(".png"))
    return made


def to_pdf(path: Path, work: Path, profile: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(path)],
                   check=True, capture_output=True, timeout=180)
    return work / path.with_suffix(".pdf").name


def page_png(pdf: Path, page: int, name: str, dpi: int = 110) -> Path:
    """One whole printed page (margins, header and footer included)."""
    target = IMG / name
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                    "-singlefile", str(pdf), str(target)], check=True, timeout=60)
    return target.with_suffix(".png")


def render_court(book: Path, work: Path) -> list[Path]:
    """A court copy's first page, the notice's front page and first list, summary.pdf."""
    profile = work / "profile"
    out = work / "court"
    written = export_for_courts(book, out, send_pending=True)
    copy = next(p for p in written if p.name.startswith("court-copy_"))
    notice = next(p for p in written if p.name.startswith("ab1793-notice_"))
    copy_pdf, notice_pdf = to_pdf(copy, work, profile), to_pdf(notice, work, profile)
    return [page_png(copy_pdf, 1, "court-copy"), page_png(notice_pdf, 1, "notice"),
            page_png(notice_pdf, 2, "notice-list"),
            page_png(out / "summary.pdf", 1, "summary-pdf")]


def main() -> None:
    if not shutil.which("soffice") or not shutil.which("pdftoppm"):
        raise SystemExit("needs LibreOffice (soffice) and poppler (pdftoppm)")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        book = demo_workbook(work)
        for png in [*render(book, work), *render_court(book, work)]:
            print(f"wrote {png}")


if __name__ == "__main__":
    main()
