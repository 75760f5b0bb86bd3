"""A one-page PDF summary for the court, written with fpdf2 (pure Python: no office suite
at run time), like the PDF report county offices got from the earlier tool.

It holds the figures of summary.json and nothing else: counts, never a person. The same
document gives the page whether it comes from `cmr-xl run --csv-dir` (summary.pdf beside
summary.json) or `cmr-xl export` (the workbook's figures, recomputed from its Results and
Criteria as `cmr-xl recalc` would). Every number is written as the figure summary.json
holds, with thousands separators, so that a reader (or a test) finds it by its label.

Not part of the engine: it is an output adapter, like the workbook writer.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF

from cmr_xl import __version__
from cmr_xl.output.files import atomic_path
from cmr_xl.rules.criteria import PROP64_SECTIONS
from cmr_xl.rules.law import recent_years
from cmr_xl.rules.outcomes import DETERMINATIONS

SECTIONS = PROP64_SECTIONS
FOOTER = "Counts only: this page holds no criminal history information about any person."
#: At most this many dismissal reasons are listed one by one (the rest summed in one
#: line), and criteria sentences that say "no" are left out, so the page stays one page.
MAX_REASONS = 8
PAGE_WIDTH = 190  # mm of a Letter page's 216 between margins


def outcome_rows(document: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """(label, [under the chosen criteria, under dismiss all, each scenario]) rows: the
    table in the PDF, also read back by the tests."""
    columns = _outcome_columns(document)
    rows: list[tuple[str, list[int]]] = [
        (d, [c["determinations"].get(d, 0) for _, c in columns]) for d in DETERMINATIONS]
    rows.append(("Total", [sum(c["determinations"].values()) for _, c in columns]))
    rows.append(("Still serving: recall and resentence",
                 [c.get("still_serving_resentencing", 0) for _, c in columns]))
    rows.append(("People getting any relief", [c.get("people_with_relief", 0) for _, c in columns]))
    for key, label in (("people_no_felony", "After relief: people with no felony left"),
                       ("people_no_conviction_last_7_years",
                        f"After relief: no conviction in the last {recent_years()} years"),
                       ("people_no_conviction", "After relief: no conviction left at all")):
        rows.append((label, [c.get("after_relief", {}).get(key, 0) for _, c in columns]))
    return rows


def _outcome_columns(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    columns = [("Chosen criteria", document["chosen"])]
    if document.get("dismiss_all_prop64"):
        columns.append(("Dismiss all Prop 64", document["dismiss_all_prop64"]))
    for name, figures in list((document.get("scenarios") or {}).items())[:2]:
        columns.append((name, figures))
    return columns


def section_rows(document: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """(HS section, [felony, not felony, total, dismissed, reduced]) and a Total row."""
    by_section = document.get("prop64_convictions_by_section", {})
    chosen = document["chosen"]
    rows = []
    for section in SECTIONS:
        counts = by_section.get(section, {})
        felony, other = counts.get("felony", 0), counts.get("non_felony", 0)
        rows.append((f"HS {section}", [felony, other, felony + other,
                                       chosen.get("dismissals_by_section", {}).get(section, 0),
                                       chosen.get("reductions_by_section", {}).get(section, 0)]))
    rows.append(("Total", [sum(r[1][i] for r in rows) for i in range(5)]))
    return rows


def reason_rows(document: dict[str, Any]) -> list[tuple[str, list[int]]]:
    """Dismissals under the chosen criteria by reason, largest first, with a total."""
    reasons = sorted((document["chosen"].get("dismissals_by_reason") or {}).items(),
                     key=lambda kv: (-kv[1], kv[0]))
    shown = reasons[:MAX_REASONS]
    rows = [(str(reason), [count]) for reason, count in shown]
    if len(reasons) > MAX_REASONS:
        rows.append((f"{len(reasons) - MAX_REASONS} other reasons",
                     [sum(count for _, count in reasons[MAX_REASONS:])]))
    rows.append(("Total", [sum(count for _, count in reasons)]))
    return rows


def summary_pdf_bytes(document: dict[str, Any], *, made: datetime | None = None) -> bytes:
    """The one-page summary of a summary.json document, as PDF bytes."""
    made = made or datetime.now(UTC).replace(microsecond=0)
    pdf = _Page(made)
    pdf.add_page()
    county = document.get("county") or document.get("audit", {}).get("county") or "County"
    pdf.set_font("Helvetica", "B", 15)
    pdf.cell(0, 8, _latin(f"Prop 64 relief summary: {county} County"), new_x="LMARGIN",
             new_y="NEXT")
    criteria = document.get("criteria", {})
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(0, 4.5, align="L", text=_latin(
        f"Convictions under HS 11357-11360 reviewed under HS 11361.8 and 11361.9 (AB 1793). "
        f"Eligibility as of {document.get('as_of', 'not recorded')}; criteria: "
        f"{criteria.get('name', 'not recorded')}. "
        f"{_count(document.get('prop64_convictions', 0))} Prop 64 convictions of "
        f"{_count(document.get('people_with_prop64_conviction', 0))} people"
        + (f"; earliest {document['earliest_conviction']}." if document.get(
            "earliest_conviction") else ".") + _accounting(document)),
        new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.table("Convictions by section",
              ["Felony", "Not felony", "Total", "Dismissed", "Reduced"], section_rows(document))
    pdf.table("Outcomes (convictions; people where said)",
              [name for name, _ in _outcome_columns(document)], outcome_rows(document))
    pdf.table("Dismissals by reason (chosen criteria)", ["Convictions"], reason_rows(document))
    sentences = [s for s in criteria.get("sentences", []) if not s.startswith("No ")]
    if sentences:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, "Criteria in force", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        for sentence in sentences:
            pdf.multi_cell(0, 3.8, _latin(f"- {sentence}"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _accounting(document: dict[str, Any]) -> str:
    """How the DOJ file's convictions were accounted for, when summary.json says."""
    convictions = document.get("convictions") or {}
    if "read" not in convictions:
        return ""
    return (f" Convictions read from the DOJ file: {_count(convictions['read'])}; naming HS "
            f"11357-11360 but set aside (another county, another offense): "
            f"{_count(convictions.get('set_aside', 0))}.")


#: The page's file name, beside summary.json (`run --csv-dir`) or the court copies (`export`).
SUMMARY_PDF = "summary.pdf"


def write_summary_pdf(document: dict[str, Any], target: str | Path) -> Path:
    """Write the page atomically (the old file stays whole until the new one is)."""
    target = Path(target)
    data = summary_pdf_bytes(document)
    with atomic_path(target) as temporary:
        Path(temporary).write_bytes(data)
    return target


class _Page(FPDF):
    """Letter, portrait, one page: a footer with the date, the page number and what the
    page holds."""

    def __init__(self, made: datetime) -> None:
        super().__init__(orientation="P", unit="mm", format="Letter")
        self.made = made
        self.set_margins(13, 12, 13)
        self.set_auto_page_break(True, margin=14)
        self.set_title("Prop 64 relief summary")
        self.set_author(f"cmr-xl {__version__}")
        self.set_creation_date(made)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, _latin(f"{FOOTER}  Made by cmr-xl {__version__} on "
                               f"{self.made.date().isoformat()}."), align="L")
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def table(self, title: str, head: list[str], rows: Iterable[tuple[str, list[int]]]) -> None:
        self.set_font("Helvetica", "B", 10)
        self.cell(0, 6, _latin(title), new_x="LMARGIN", new_y="NEXT")
        label_width = 78 if len(head) <= 3 else 60
        width = min(30.0, (PAGE_WIDTH - label_width) / max(len(head), 1))
        self.set_font("Helvetica", "B", 8)
        self.set_fill_color(217, 225, 242)
        # a header of two lines at most: a long scenario name is wrapped, then cut
        names = [_two_lines(self, name, width) for name in head]
        height = 3.8 * max(len(n) for n in names) + 1.2
        top, x = self.get_y(), self.get_x()
        self.cell(label_width, height, "", border=1, fill=True)
        for n, lines in enumerate(names):
            self.set_xy(x + label_width + n * width, top)
            self.cell(width, height, "", border=1, fill=True)
            self.set_xy(x + label_width + n * width, top + 0.6)
            self.multi_cell(width, 3.8, _latin("\n".join(lines)), align="R")
        self.set_xy(x, top + height)
        for label, values in rows:
            bold = label == "Total"
            self.set_font("Helvetica", "B" if bold else "", 8.5)
            self.cell(label_width, 4.6, _latin(_fit(self, label, label_width)), border=1)
            for value in values:
                self.cell(width, 4.6, _count(value), border=1, align="R")
            self.ln()
        self.ln(2.5)


def _two_lines(pdf: FPDF, text: str, width: float) -> list[str]:
    """`text` in words on at most two lines that fit `width`; the second cut to fit."""
    words, first = text.split(), ""
    while words and pdf.get_string_width(_latin(f"{first} {words[0]}".strip())) <= width - 2:
        first = f"{first} {words.pop(0)}".strip()
    if not first:
        return [_fit(pdf, text, width)]
    return [first, _fit(pdf, " ".join(words), width)] if words else [first]


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Text cut with an ellipsis to fit a cell (never past its border)."""
    if pdf.get_string_width(_latin(text)) <= width - 2:
        return text
    while text and pdf.get_string_width(_latin(text + "...")) > width - 2:
        text = text[:-1]
    return text + "..."


def _count(value: Any) -> str:
    return f"{int(value):,}" if isinstance(value, (int, float)) else str(value)


def _latin(text: str) -> str:
    """The PDF's core fonts hold Latin-1: anything else becomes '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")
