"""`cmr-xl serve`: a ready xlwings Server (the `server` extra) with cmr-xl's functions,
scripts, task pane and ribbon. See addin/xlwings-server/README.md."""
