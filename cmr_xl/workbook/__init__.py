"""The Excel workbook: template, filled workbook, reading back, recalculation.

One declaration of the sheets (`layout`) drives writing (`template`, `writer`), reading
back (`reader`) and recalculation (`recalc`), so the three cannot disagree about where a
criterion or a column lives. This package calls the engine; it never imports xlwings.
"""
