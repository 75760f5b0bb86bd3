Attribute VB_Name = "cmr_xl_ribbon"
' cmr-xl ribbon callbacks for the classic xlwings add-in (Windows, local Python).
' Each button runs one cmr-xl script on the active workbook; messages come back as
' message boxes from Python. Requires the xlwings add-in (or its VBA module) and
' cmr-xl installed in the interpreter named in %USERPROFILE%\.cmrxl\cmrxl.conf.
Option Explicit

Private Sub RunCmr(ByVal script As String)
    RunPython "import cmr_xl.xlwings_app.scripts as s; s.run_classic('" & script & "')"
End Sub

Public Sub CmrImport(control As IRibbonControl)
    RunCmr "import_doj_file"
End Sub

Public Sub CmrRecalculate(control As IRibbonControl)
    RunCmr "recalculate"
End Sub

Public Sub CmrMakeLive(control As IRibbonControl)
    RunCmr "make_live"
End Sub

Public Sub CmrFreeze(control As IRibbonControl)
    RunCmr "freeze_results"
End Sub

Public Sub CmrExport(control As IRibbonControl)
    RunCmr "export_court_copies"
End Sub

Public Sub CmrExportPending(control As IRibbonControl)
    RunCmr "export_court_copies_send_pending"
End Sub
