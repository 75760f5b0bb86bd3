"""cmr-xl scripts for xlwings Server: copy into the server's custom_scripts package and
import it there (see README.md)."""

from cmr_xl.xlwings_app.scripts import (  # noqa: F401
    export_court_copies,
    freeze_results,
    import_doj_file,
    make_live,
    recalculate,
)
