Attribute VB_Name = "posbt"
' posbt ribbon: one dispatch Sub. Every button passes its id to Python, which does the work.
' Built into posbt.xlam by xlbridge/addin/build.py together with the installed xlwings module.
Option Explicit

Sub PosbtOnAction(control As IRibbonControl)
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('" & control.Id & "')"
End Sub
