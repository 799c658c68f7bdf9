# posbt for Windows Excel: Python environment, posbt with the excel extra, the xlwings
# add-in, posbt.xlam, UDF settings, the server token, and the server at login.
# Run in PowerShell (no admin needed):  .\installer\install_windows.ps1 [-Source C:\path\to\posbt]
param([string]$Source = (Split-Path -Parent $PSScriptRoot), [int]$Port = 8765)
$ErrorActionPreference = "Stop"
$Root = Join-Path $env:LOCALAPPDATA "posbt"
$Venv = Join-Path $Root "venv"
$Py = Join-Path $Venv "Scripts\python.exe"
$PosbtHome = if ($env:POSBT_HOME) { $env:POSBT_HOME } else { Join-Path $env:USERPROFILE ".posbt" }

Write-Host "1/6 Python environment in $Venv"
py -3.11 -m venv $Venv
& $Py -m pip install --upgrade pip
Write-Host "2/6 posbt with the excel and server extras"
& $Py -m pip install "$Source[excel,server]"
Write-Host "3/6 xlwings add-in (its VBA matches the installed xlwings)"
& (Join-Path $Venv "Scripts\xlwings.exe") addin install
Write-Host "4/6 posbt.xlam into the add-ins folder"
$AddinDir = Join-Path $env:APPDATA "Microsoft\AddIns"
New-Item -ItemType Directory -Force -Path $AddinDir | Out-Null
& $Py -m xlbridge.addin.build (Join-Path $AddinDir "posbt.xlam")
Write-Host "5/6 xlwings settings: interpreter and UDF module"
$Conf = Join-Path $env:USERPROFILE ".xlwings\xlwings.conf"
New-Item -ItemType Directory -Force -Path (Split-Path $Conf) | Out-Null
@"
"INTERPRETER_WIN","$Py"
"UDF_MODULES","xlbridge.udfs"
"@ | Set-Content -Encoding ASCII $Conf
Write-Host "6/6 token and server at login (Task Scheduler)"
New-Item -ItemType Directory -Force -Path $PosbtHome | Out-Null
& $Py -c "from pathlib import Path; from xlbridge.settings import ensure_token; ensure_token(Path(r'$PosbtHome'))"
icacls (Join-Path $PosbtHome "server.token") /inheritance:r /grant:r "$($env:USERNAME):(R,W)" | Out-Null
$Action = New-ScheduledTaskAction -Execute (Join-Path $Venv "Scripts\posbt.exe") -Argument "serve --port $Port"
$Trigger = New-ScheduledTaskTrigger -AtLogOn -User $env:USERNAME
Register-ScheduledTask -TaskName "posbt server" -Action $Action -Trigger $Trigger -Force | Out-Null
Start-ScheduledTask -TaskName "posbt server"
Write-Host "Done. In Excel: File > Options > Add-ins > Excel Add-ins > Browse... > posbt.xlam,"
Write-Host "and in the xlwings tab press 'Import Functions' once (needs 'Trust access to the VBA project object model')."
