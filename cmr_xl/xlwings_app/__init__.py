"""cmr-xl inside Excel, through xlwings: custom functions and scripts.

Adapters only: cells become a facts table and criteria, the engine decides, results
become cells. No rule lives here. Written once with xlwings' portable decorators, so the
same module serves xlwings Lite, xlwings Server and the classic Windows add-in (see
addin/). This package never imports cmr_xl.workbook: both adapters call the engine, and
`contract` mirrors the few layout facts the scripts need (a test keeps them equal).
"""
