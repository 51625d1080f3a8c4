<#
.SYNOPSIS
Runs the Pester suite in this pwsh against the built module and the running test bed, writes NUnit
results and pester-counts.json (skipped and not-run tests count as failed: nothing is silently skipped).
#>
param(
    [Parameter(Mandatory)][string]$ResultDirectory,
    [string]$FullNameFilter,
    # Test files to run (all in this folder by default).
    [string[]]$Path
)

$ErrorActionPreference = 'Stop'
# Logs and NUnit XML take no terminal escape codes.
$PSStyle.OutputRendering = 'PlainText'
$env:NO_COLOR = '1'
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
$pester = Join-Path $packages 'pester/6.2.0/tools/Pester.psd1'
if (-not (Test-Path $pester)) {
    throw "Pester 6.2.0 is not in $packages. Run: dotnet restore tests/tools/tools.csproj (./test.sh does)."
}
Import-Module $pester -Force

$config = New-PesterConfiguration
$config.Run.Path = if ($Path) { $Path } else { $PSScriptRoot }
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'
if ($FullNameFilter) { $config.Filter.FullName = $FullNameFilter }

$result = Invoke-Pester -Configuration $config
$notRun = if ($FullNameFilter -or $Path) { 0 } else { $result.NotRunCount }
$failed = $result.FailedCount + $result.SkippedCount + $notRun + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed } |
    ConvertTo-Json | Set-Content (Join-Path $ResultDirectory 'pester-counts.json')
