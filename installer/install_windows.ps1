# posbt for Windows Excel: a Python environment, posbt with the excel extra, then
# `posbt excel install` (posbt.xlam, posbt.conf, the server at login) and `posbt excel doctor`.
# Stops at the first failing step and says which; no admin rights needed.
#   .\installer\install_windows.ps1 [-Source C:\path\to\posbt-or-wheel] [-Port 8765]
param([string]$Source = (Split-Path -Parent $PSScriptRoot), [int]$Port = 8765)
$ErrorActionPreference = "Stop"
function Invoke-Step([string]$What, [scriptblock]$Do) {
    Write-Host $What
    & $Do
    if ($LASTEXITCODE -ne 0) { throw "posbt install FAILED at: $What (exit $LASTEXITCODE)" }
}
$Root = Join-Path $env:LOCALAPPDATA "posbt"
$Venv = Join-Path $Root "venv"
$Py = Join-Path $Venv "Scripts\python.exe"
$Posbt = Join-Path $Venv "Scripts\posbt.exe"
Invoke-Step "environment: $Venv (Python 3.11+, 64-bit for 64-bit Excel)" { py -3 -m venv $Venv }
Invoke-Step "pip" { & $Py -m pip install -q --upgrade pip }
Invoke-Step "posbt[excel] from $Source" { & $Py -m pip install -q "$Source[excel]" }
Invoke-Step "posbt excel install" { & $Posbt excel install --port $Port }
Invoke-Step "posbt excel doctor" { & $Posbt excel doctor }
