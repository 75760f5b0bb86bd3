"""What the xlwings scripts rely on in a cmr-xl workbook (tests/test_xlwings_scripts.py
checks every name here against cmr_xl.workbook.layout, so the two cannot drift)."""

CRITERIA = "Criteria"
RESULTS = "Results"
SUMMARY = "Summary"
ABOUT = "About"
LIVE = "Live"
RESULTS_TABLE = "ResultsTable"
CRITERIA_FIRST_ROW = 5  # 1-based: the first criterion's row (Criteria!C5)
KEY_COL, LABEL_COL, VALUE_COL, CHECK_COL, USED_COL = 0, 1, 2, 3, 4
SCENARIO_KEY = "scenario"
RUN_COUNTY, RUN_DOJ_FILE = "run_county", "run_doj_file"
ABOUT_KEY_COL, ABOUT_LABEL_COL, ABOUT_VALUE_COL = 0, 1, 2
EXCEL_MAX_ROWS = 1_048_576
#: Summary!AA1 holds a JSON manifest of the cells cmr-xl computes (what-if columns,
#: dismissal reasons, criteria sentences), so that scripts refresh them by key.
MANIFEST_CELL = "AA1"
#: The Live sheet: answers spill from A2 (one column per determination output, A:L);
#: column N holds each conviction's engine facts packed into one cell (N1 the header).
LIVE_PACKED_COL = 13  # 0-based: column N
