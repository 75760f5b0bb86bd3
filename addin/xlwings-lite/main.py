# cmr-xl for xlwings Lite: paste this into the workbook's main.py (xlwings Lite editor),
# and the lines of requirements.txt into its requirements.txt tab.
# The functions and scripts live in the cmr-xl package; importing them here registers them
# (=CMR_DETERMINE, =CMR_CRITERIA_SENTENCES, =CMR_VERSION and the script buttons).
# Files: add the DOJ file in Lite's Files panel (Python sees it under /data) and write its
# name under 'Import settings'; court copies are written to /data/court-copies, to download.
from cmr_xl.xlwings_app.functions import (  # noqa: F401
    cmr_criteria_sentences,
    cmr_determine,
    cmr_version,
)
from cmr_xl.xlwings_app.scripts import (  # noqa: F401
    export_court_copies,
    export_court_copies_send_pending,
    freeze_results,
    import_doj_file,
    make_live,
    recalculate,
)
