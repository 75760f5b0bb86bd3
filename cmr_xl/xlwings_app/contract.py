"""What the xlwings scripts rely on in a cmr-xl workbook: the workbook's own layout
(cmr_xl.workbook.layout, read here rather than restated) under the names the scripts use,
and the Live sheet, which only the scripts make."""

from cmr_xl.workbook.content import MANIFEST_AT
from cmr_xl.workbook.layout import (
    ABOUT,
    ABOUT_KEY_COL,
    ABOUT_LABEL_COL,
    ABOUT_VALUE_COL,
    CHECK_COL,
    CRITERIA,
    CRITERIA_HEADER_ROW,
    EXCEL_MAX_ROWS,
    KEY_COL,
    LABEL_COL,
    RESULTS,
    RESULTS_TABLE,
    RUN_COUNTY,
    RUN_DOJ_FILE,
    SCENARIO_KEY,
    SUMMARY,
    USED_COL,
    VALUE_COL,
    a1,
)

__all__ = [
    "ABOUT", "ABOUT_KEY_COL", "ABOUT_LABEL_COL", "ABOUT_VALUE_COL", "CHECK_COL", "CRITERIA",
    "CRITERIA_FIRST_ROW", "EXCEL_MAX_ROWS", "KEY_COL", "LABEL_COL", "LIVE", "LIVE_PACKED_COL",
    "MANIFEST_CELL", "RESULTS", "RESULTS_TABLE", "RUN_COUNTY", "RUN_DOJ_FILE", "SCENARIO_KEY",
    "SUMMARY", "USED_COL", "VALUE_COL",
]

#: 1-based: the first criterion's row (Criteria!C5), as an A1 reference counts.
CRITERIA_FIRST_ROW = CRITERIA_HEADER_ROW + 2
#: Summary!AA1 holds a JSON manifest of the cells cmr-xl computes (what-if columns,
#: dismissal reasons, criteria sentences), so that scripts refresh them by key.
MANIFEST_CELL = a1(*MANIFEST_AT)
LIVE = "Live"
#: The Live sheet mirrors Results row for row: answers spill from the row below the
#: Results header (one column per determination output, A:L); column N holds each
#: conviction's engine facts packed into one cell (the header on Results' header row,
#: row 1 in a workbook cmr-xl wrote).
LIVE_PACKED_COL = 13  # 0-based: column N
