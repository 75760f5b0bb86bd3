"""cmr-xl custom functions for xlwings Server: copy into the server's custom_functions
package and import it there (see README.md)."""

from cmr_xl.xlwings_app.functions import (  # noqa: F401
    cmr_criteria_sentences,
    cmr_determine,
    cmr_version,
)
