# cmr-xl for xlwings Lite: paste this into the workbook's main.py (xlwings Lite editor),
# and the lines of requirements.txt into its requirements.txt tab.
# The functions and scripts live in the cmr-xl package; importing them here registers them
# (=CMR_DETERMINE, =CMR_CRITERIA_SENTENCES, =CMR_VERSION and the script buttons).
from cmr_xl.xlwings_app.functions import (  # noqa: F401
    cmr_criteria_sentences,
    cmr_determine,
    cmr_version,
)
from cmr_xl.xlwings_app.scripts import (  # noqa: F401
    export_court_copies,
    freeze_results,
    make_live,
    recalculate,
)

# import_doj_file is left out on purpose: Python in the browser cannot read files on the
# PC. Fill the workbook with `cmr-xl run DOJ_FILE --county NAME --as-of DATE --workbook
# BOOK.xlsx` on a PC or server that has the DOJ file, then open BOOK.xlsx here.
