"""The legal core: what the law and the county's criteria say about each conviction.

Pure functions over columns, reading the cited, dated law data of `cmr_xl/law/` through
`law`: `code_sections` (how DOJ writes a section), `facts` (convictions with facts),
`criteria` (a county's criteria as a reform over the statutory floor), `eligibility`
(determinations and reasons), `da_decision`, `summary`. No file, Excel or CLI library:
import-linter contracts in setup.cfg keep it so.
"""
