# Remove what install_windows.ps1 set up (`posbt excel uninstall`, then the environment).
# Market data, results and the token in %USERPROFILE%\.posbt stay. Stops at the first error.
$ErrorActionPreference = "Stop"
$Root = Join-Path $env:LOCALAPPDATA "posbt"
$Posbt = Join-Path $Root "venv\Scripts\posbt.exe"
if (Test-Path $Posbt) {
    & $Posbt excel uninstall
    if ($LASTEXITCODE -ne 0) { throw "posbt uninstall FAILED (exit $LASTEXITCODE); close Excel and retry" }
}
Remove-Item -Recurse -Force $Root
Write-Host "Removed. Delete %USERPROFILE%\.posbt yourself to drop market data, results and the token."
