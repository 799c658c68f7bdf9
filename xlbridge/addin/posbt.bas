Attribute VB_Name = "posbt"
' posbt ribbon. Every button passes its id to Python (xlbridge.macros.dispatch), which does
' the work. Run Backtest only posts a job and returns; a timer (Application.OnTime) then
' polls it, so Excel stays responsive while the backtest runs in the posbt server.
' Python keeps the status bar at "posbt: ..." while a job of the active workbook runs and
' resets it when the job ends, which stops the timer (this works with Windows' blocking
' and macOS' asynchronous RunPython alike).
' Built into posbt.xlam by xlbridge/addin/build.py together with the installed xlwings module.
Option Explicit

Public Const POSBT_BUSY As String = "posbt: "
Public Const POSBT_POLL_SECONDS As Long = 2

Sub PosbtOnAction(control As IRibbonControl)
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('" & control.Id & "')"
End Sub

Sub PosbtRunBacktest(control As IRibbonControl)
    Application.StatusBar = POSBT_BUSY & "starting the backtest..."
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('RunBacktest')"
    PosbtSchedulePoll
End Sub

Sub PosbtSchedulePoll()
    Application.OnTime Now + TimeSerial(0, 0, POSBT_POLL_SECONDS), "PosbtPoll"
End Sub

Function PosbtJobActive() As Boolean
    PosbtJobActive = (Left$(CStr(Application.StatusBar), Len(POSBT_BUSY)) = POSBT_BUSY)
End Function

Sub PosbtPoll()
    If Not PosbtJobActive() Then Exit Sub
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('PollBacktest')"
    PosbtSchedulePoll
End Sub
