# Remove what install_windows.ps1 added. Market data and results in %USERPROFILE%\.posbt stay.
$ErrorActionPreference = "Continue"
Unregister-ScheduledTask -TaskName "posbt server" -Confirm:$false
Remove-Item (Join-Path $env:APPDATA "Microsoft\AddIns\posbt.xlam") -ErrorAction SilentlyContinue
$Xw = Join-Path $env:LOCALAPPDATA "posbt\venv\Scripts\xlwings.exe"
if (Test-Path $Xw) { & $Xw addin remove }
Remove-Item -Recurse -Force (Join-Path $env:LOCALAPPDATA "posbt") -ErrorAction SilentlyContinue
Write-Host "Removed. Delete %USERPROFILE%\.posbt yourself to drop data, results and the token."
