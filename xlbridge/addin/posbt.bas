Attribute VB_Name = "posbt"
' posbt ribbon. Every button passes its id to Python (xlbridge.macros.dispatch), which does
' the work. Run Backtest only posts a job and returns; a timer (Application.OnTime) then
' polls it, so Excel stays responsive while the backtest runs in the posbt server.
' Python keeps the status bar at "posbt: ..." while a job of the active workbook runs and
' resets it when the job ends, which stops the timer (this works with Windows' blocking
' and macOS' asynchronous RunPython alike).
' Run Sweep and A/B Test are jobs like Run Backtest (the same timer polls them). A/B Test asks
' for its two sides in an input box, filled in with the strategy columns selected on
' PositionalParameter; the text goes to Python as character codes, so no quote breaks the call.
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

Sub PosbtRunSweep(control As IRibbonControl)
    Application.StatusBar = POSBT_BUSY & "starting the sweep..."
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('RunSweep')"
    PosbtSchedulePoll
End Sub

Sub PosbtABTest(control As IRibbonControl)
    Dim answer As String
    answer = InputBox("Strategies A and B (IF_Weekly, IF_Monthly), or A and parameter changes " & _
                      "(IF_Weekly; Lots=2; WingWidthPts=300):", "posbt: A/B test", _
                      PosbtSelectedStrategies())
    If Len(Trim$(answer)) = 0 Then Exit Sub
    Application.StatusBar = POSBT_BUSY & "starting the A/B test..."
    RunPython "import xlbridge.macros; xlbridge.macros.dispatch('ABTest', [" & PosbtCodes(answer) & "])"
    PosbtSchedulePoll
End Sub

Function PosbtCodes(text As String) As String
    Dim i As Long, codes As String
    For i = 1 To Len(text)
        If i > 1 Then codes = codes & ","
        codes = codes & CStr(AscW(Mid$(text, i, 1)))
    Next i
    PosbtCodes = codes
End Function

Function PosbtSelectedStrategies() As String
    ' The row-1 names of the strategy columns (E on) selected on PositionalParameter.
    Dim names As String, area As Range, col As Range, name As String
    On Error GoTo Finish
    If ActiveSheet.Name <> "PositionalParameter" Then GoTo Finish
    For Each area In Selection.Areas
        For Each col In area.Columns
            If col.Column >= 5 Then
                name = Trim$(CStr(ActiveSheet.Cells(1, col.Column).Value))
                If Len(name) > 0 And InStr(", " & names & ",", ", " & name & ",") = 0 Then
                    If Len(names) > 0 Then names = names & ", "
                    names = names & name
                End If
            End If
        Next col
    Next area
Finish:
    PosbtSelectedStrategies = names
End Function

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
