"""AB 1793 notices (HS 11361.9(b)-(c)): what the District Attorney tells the court and the
public defender after reviewing the convictions DOJ identified.

One workbook per court (or one for the county), beside the court copies, made from the
same cases (court_copies.read_cases: the court columns only, this county, reviewed):

- Notice: to whom, from whom, the counts of each list, and what each list means;
- Not challenged: the convictions the court acts on (dismiss and seal, redesignate,
  recall and resentence), HS 11361.9(c);
- Challenged: the convictions the DA challenges, each with its grounds (HS 11361.9(b):
  does not meet HS 11361.8, or an unreasonable risk to public safety, PC 1170.18(c));
- Outside Prop 64: convictions after 11/09/2016, which HS 11361.8 does not reach (told
  apart from a challenge, so that the court does not read one as the other);
- Pending DA review: Hand review rows with no DA decision, only when there are any.

The lists follow the Results' "Final outcome" (the DA decision's outcome, else the
determination), which export has checked against the DA decisions (decisions.py). Values
only, no macros, printable like every sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from xlsxwriter.worksheet import Worksheet

from cmr_xl.rules.law import decision_rules, effective_date_text
from cmr_xl.rules.outcomes import DISMISSAL, HAND_REVIEW, NOT_ELIGIBLE, REDUCTION
from cmr_xl.workbook import court_copies as C
from cmr_xl.workbook.printing import print_setup

NOTICE_PREFIX = "ab1793-notice_"
NOTICE, NOT_CHALLENGED, CHALLENGED, OUTSIDE, PENDING = (
    "Notice", "Not challenged", "Challenged", "Outside Prop 64", "Pending DA review")
LISTS = (NOT_CHALLENGED, CHALLENGED, OUTSIDE, PENDING)
#: The columns of each list: (label, case key or a computed key, width).
_WHO = [("Case number", "case_number", 13), ("Name", "name", 24), ("Date of birth", "dob", 12),
        ("CII", "cii", 11), ("Conviction date", "conviction_date", 11),
        ("Code section", "code_section", 13), ("Level", "level", 11),
        ("Court (as DOJ names it)", "court", 18)]
COLUMNS = {
    NOT_CHALLENGED: [*_WHO, ("Relief the court orders", "relief", 30)],
    CHALLENGED: [*_WHO, ("Grounds of the challenge (HS 11361.9(b))", "_grounds", 52)],
    OUTSIDE: [*_WHO, ("Why it is outside Prop 64", "reason", 36)],
    PENDING: [*_WHO, ("Eligibility Reason", "reason", 40)],
}
MEANING = {
    NOT_CHALLENGED: "The DA does not challenge these convictions: the court dismisses and "
                    "seals, redesignates, or recalls and resentences each as its Relief says "
                    "(HS 11361.9(c)).",
    CHALLENGED: "The DA challenges these convictions on the grounds given for each (HS "
                "11361.9(b)); the public defender is informed of each challenge.",
    OUTSIDE: f"Convicted after {effective_date_text()}, under the law as Prop 64 changed it: HS 11361.8 "
             "does not reach them. Not a challenge; no action is asked.",
    PENDING: "Not yet decided by the DA (Hand review): a notice will follow.",
}
_GROUND_NOT_MET = "Does not meet HS 11361.8"


def notice_file_names(courts: Iterable[str]) -> list[str]:
    """`ab1793-notice_SACRAMENTO.xlsx`, named as the court's copy is."""
    return [name.replace(C.FILE_PREFIX, NOTICE_PREFIX, 1) for name in C.file_names(courts)]


def notice_lists(cases: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The cases of each list (LISTS order); the rest (a related charge the court leaves
    as it is) are in none."""
    outside_words = {r["relief"] for r in decision_rules() if r.get("relief")}
    outcome = cases["outcome"]  # export checked it follows the DA decisions (decisions.py)
    relief = cases["relief"].fillna("").astype(str)
    prop64_or_dismissed = (cases["conviction_type"] == C.PROP64_TYPE) | (outcome == DISMISSAL)
    acts = outcome.isin([DISMISSAL, REDUCTION]) & prop64_or_dismissed
    outside = (outcome == NOT_ELIGIBLE) & relief.isin(outside_words)
    challenged = ((outcome == NOT_ELIGIBLE) & ~outside
                  & (cases["conviction_type"] == C.PROP64_TYPE))
    pending = (outcome == HAND_REVIEW)
    frame = cases.assign(_grounds=_grounds(cases))
    return {NOT_CHALLENGED: frame[acts.to_numpy()], CHALLENGED: frame[challenged.to_numpy()],
            OUTSIDE: frame[outside.to_numpy()], PENDING: frame[pending.to_numpy()]}


def _grounds(cases: pd.DataFrame) -> pd.Series:
    """The DA's grounds when typed; else 'Does not meet HS 11361.8: <the reason>'."""
    typed = cases["da_grounds"].map(lambda v: v.strip() if isinstance(v, str) and v.strip()
                                    else None)
    derived = cases["reason"].map(lambda r: f"{_GROUND_NOT_MET}: {r}" if r else _GROUND_NOT_MET)
    return typed.where(typed.notna(), derived)


def write_notice(target: Path, court: str, cases: pd.DataFrame, source: C.Source,
                 exported: datetime) -> Path:
    """Write one notice atomically, as court_copies.write_court_copy writes a copy."""
    return C.write_book(target, _NoticeBook, court, cases, source, exported)


class _NoticeBook(C.CopyBook):
    """A notice: the Notice sheet, then one sheet per list; values only."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lists = notice_lists(self.cases)
        #: The lists written (and counted): Pending DA review only when there are any.
        self.shown = [n for n in LISTS if not (n == PENDING and self.lists[n].empty)]

    def title_and_subject(self) -> tuple[str, str]:
        return (f"AB 1793 notice (HS 11361.9): {self.court}",
                "Prop 64 convictions the DA challenges and does not challenge")

    def write(self) -> None:
        notice = self.wb.add_worksheet(NOTICE)
        rows = [("note_wrapped" if style == "note" and len(str(values[0])) > 70 else style,
                 values) for style, values in self.notice_rows()]  # a sentence: wrapped
        self.write_rows(notice, rows)
        notice.set_column(0, 0, 62)
        notice.set_column(1, 2, 14)
        for row, (style, values) in enumerate(rows):
            if style == "note_wrapped":
                notice.set_row(row, 15 * (len(str(values[0])) // 70 + 1))
        print_setup(notice, f"AB 1793 notice: {self.court}", landscape=False, one_page=True)
        for name in self.shown:
            self._list(self.wb.add_worksheet(name), name, self.lists[name])
        notice.activate()
        self.wb.close()

    def notice_rows(self) -> list[tuple[str, list[Any]]]:
        county = self.source.county or "the"
        people = C.person_keys(self.cases)
        rows: list[tuple[str, list[Any]]] = [
            ("title", ["Notice of review of Prop 64 convictions (HS 11361.9(b)-(c))"]),
            ("text", [f"To: the Superior Court ({self.court}) and the Public Defender of "
                      f"{county} County"]),
            ("text", [f"From: the District Attorney of {county} County"]),
            ("text", [f"Date: {self.exported.date().isoformat()}; eligibility as of "
                      f"{C.day_text(self.source.as_of)}; criteria: "
                      f"{self.source.criteria_name or 'not recorded'}"]),
            ("note", ["The District Attorney has reviewed every conviction below, from the "
                      "list DOJ sent under HS 11361.9(a). Each sheet of this workbook lists "
                      "one kind; this page counts them."]),
            ("text", []),
            ("header", ["List (sheet)", "Convictions", "People"]),
        ]
        for name in self.shown:
            frame = self.lists[name]
            rows.append(("label", [name, len(frame),
                                   int(people.loc[frame.index].nunique())]))
        rows.append(("text", []))
        acts = self.lists[NOT_CHALLENGED]["relief"].map(lambda v: v or "Not stated")
        rows.append(("header", ["Not challenged, by relief", "Convictions", "People"]))
        for text, count in sorted(acts.value_counts().items(), key=lambda kv: (-kv[1], kv[0])):
            chosen = acts.index[acts == text]
            rows.append(("label", [text, int(count), int(people.loc[chosen].nunique())]))
        rows.append(("text", []))
        for name in self.shown:
            rows.append(("note", [f"{name}: {MEANING[name]}"]))
        if not self.lists[PENDING].empty:
            rows.append(("note", [f"Warning: {len(self.lists[PENDING]):,} conviction(s) are "
                                  "not yet decided by the DA."]))
        return rows

    def _list(self, ws: Worksheet, name: str, frame: pd.DataFrame) -> None:
        columns = COLUMNS[name]
        ws.set_row(0, 30)
        for col, (label, _key, width) in enumerate(columns):
            ws.set_column(col, col, width)
            ws.write_string(0, col, label, self.fmt("header"))
        last, width = len(columns) - 1, columns[-1][2]
        for row, values in enumerate(frame[[key for _, key, _ in columns]].itertuples(
                index=False, name=None), start=1):
            long = isinstance(values[-1], str) and len(values[-1]) > width  # wrapped
            for col, value in enumerate(values):
                self.write_value(ws, row, col, value,
                                 "text_wrapped" if long and col == last else "text")
            if long:
                ws.set_row(row, 15 * (len(values[-1]) // width + 1))
        if frame.empty:
            ws.write_string(1, 0, "None.")
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
        print_setup(ws, f"AB 1793 notice: {self.court}: {name}", header_rows=1)
