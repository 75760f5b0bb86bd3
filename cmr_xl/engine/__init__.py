"""The engine: one way through, DOJ file -> rows (cmr_xl.doj) -> convictions with facts
-> criteria -> determinations -> summary (cmr_xl.rules), run by `pipeline`.

Also here: the criteria files a command reads (`criteria_files`), the one reading of a
county's name (`counties`) and the one typing of spreadsheet cell values into facts
(`cell_values`), which the workbook and xlwings adapters share. No Excel or CLI library.
"""
