"""The eligibility engine: pure Python, no Excel library, no CLI library.

DOJ file -> rows (cmr_xl.doj) -> convictions with facts (facts) -> criteria (criteria)
-> determinations (eligibility) -> summary (summary). `pipeline` runs the whole way.
"""
