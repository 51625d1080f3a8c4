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
$null = New-Item -ItemType Directory -Force $ResultDirectory

# Pester removes a file's TestDrive (and what a block added to it) as the blocks end, long before the run's password
# sweep: what is about to go is swept here, and where a password was found is written to testdrive-leaks.txt, which
# build.ps1 counts with the rest (testdrive-sweep-ms.txt says what each sweep cost). Fixtures that must write a password (a redis.conf with requirepass) declare the
# file with Register-TestSecretFixture; files with the same bytes (a restore point's copy of it) are not counted.
if ($env:OPSRUNBOOK_TEST_PASSWORD) {
    Import-Module (Join-Path $PSScriptRoot '../testbed/TestBed.psm1')
    $sweepSecrets = @($env:OPSRUNBOOK_TEST_PASSWORD) + @((Get-TestBedHostilePassword).Password)
    $leakList = Join-Path $ResultDirectory 'testdrive-leaks.txt'
    $fixtureList = Join-Path $ResultDirectory 'secret-fixtures.txt'
    $env:OPSRUNBOOK_TEST_SECRET_FIXTURES = $fixtureList
    $env:OPSRUNBOOK_TEST_TESTDRIVE_LEAKS = $leakList
    $sweep = {
        param([string[]]$Item)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        try {
            $declared = if (Test-Path $fixtureList) { @(Get-Content $fixtureList) } else { @() }
            foreach ($leak in Find-TestBedLeak -Path @($Item | Where-Object { Test-Path -LiteralPath $_ }) -Secret $sweepSecrets) {
                if ($declared -notcontains (Get-FileHash -LiteralPath $leak.Path -Algorithm SHA256).Hash) {
                    Add-Content -LiteralPath $leakList "$($leak.Path)`t$($leak.Secrets)"
                }
            }
        }
        catch {
            Write-Warning "The TestDrive password sweep could not read $($Item -join ', '): $_"
        }
        Add-Content -LiteralPath (Join-Path $ResultDirectory 'testdrive-sweep-ms.txt') "$($clock.ElapsedMilliseconds)`t$($Item.Count)"
    }.GetNewClosure()
    & (Get-Module Pester) {
        param($Sweep)
        $script:OpsRunbookSweep = $Sweep
        $script:PesterClearTestDrive = ${function:Clear-TestDrive}
        $script:PesterRemoveTestDrive = ${function:Remove-TestDrive}
        ${function:script:Clear-TestDrive} = {
            param([string[]]$Exclude, [string]$TestDrivePath)
            if ([IO.Directory]::Exists($TestDrivePath)) {
                & $script:OpsRunbookSweep @([IO.Directory]::GetFileSystemEntries($TestDrivePath, '*', [IO.SearchOption]::AllDirectories) | Where-Object { $Exclude -notcontains $_ })
            }
            & $script:PesterClearTestDrive -Exclude $Exclude -TestDrivePath $TestDrivePath
        }
        ${function:script:Remove-TestDrive} = {
            param($TestDrivePath)
            $drive = (Get-PSDrive TestDrive -ErrorAction Ignore).Root
            if ($drive -and [IO.Directory]::Exists($drive)) { & $script:OpsRunbookSweep @($drive) }
            & $script:PesterRemoveTestDrive $TestDrivePath
        }
    } $sweep
}

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
