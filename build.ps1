<#
.SYNOPSIS
OpsRunbook's task runner, thin over dotnet.

.DESCRIPTION
Build    dotnet build -c Release: assembles the module at out/OpsRunbook/.
Test     Build, start the test bed (PostgreSQL, Redis, dockerd, HTTP test service, Prometheus on loopback), run the
         xunit and Pester suites, stop the test bed, search every output for the test password, and
         print "N passed, N failed". Exits 1 when anything failed.
Package  Build, then Publish-PSResource the module into the folder repository out/repository.
Docs     Build, then write docs/<Cmdlet>.md skeletons (platyPS schema, from the compiled metadata) for
         exported cmdlets that have no page yet.
Bench    Build, start the test bed and run the benchmarks in bench/ against the runbooks' own commands.
Demo     Build, start a local stack and run samples/portfolio-advisor.ps1 against it.

.EXAMPLE
dotnet pwsh ./build.ps1 -Task Test -Suite Xunit -Filter 'FullyQualifiedName~Health'
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Docs', 'Bench', 'Demo')]
    [string[]]$Task = 'Build',

    [ValidateSet('All', 'Xunit', 'Pester')]
    [string]$Suite = 'All',

    [string]$Configuration = 'Release',

    # xunit: a dotnet test --filter expression; Pester: a -FullNameFilter wildcard.
    [string]$Filter,

    # Bench: only these numbered sections of bench/Invoke-Benchmark.ps1 (all by default).
    [int[]]$Section
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
Import-Module (Join-Path $root 'tests/testbed/TestBed.psm1') -Force

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build([string[]]$Property = @()) {
    Invoke-Dotnet restore (Join-Path $root 'tests/tools/tools.csproj') --verbosity quiet
    Invoke-Dotnet build (Join-Path $root 'OpsRunbook.sln') -c $Configuration --nologo --verbosity quiet @Property
    Write-Host "Module: $(Join-Path $root 'out/OpsRunbook')"
}

function Use-TestBed([scriptblock]$Body) {
    $bed = Start-TestBed -RepositoryRoot $root -Configuration $Configuration
    $saved = @{}
    foreach ($name in $bed.Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $bed.Environment[$name])
    }
    try { & $Body $bed }
    finally {
        Stop-TestBed -Root $bed.Root -Remove:($env:OPSRUNBOOK_KEEP_TESTBED -ne '1')
        # Unset again what was unset: an empty value is still a value to the tools that read it.
        foreach ($name in $saved.Keys) {
            if ($null -eq $saved[$name]) { Remove-Item "Env:$name" -ErrorAction Ignore } else { Set-Item "Env:$name" $saved[$name] }
        }
    }
}

function Invoke-XunitSuite([string]$Results) {
    $trx = Join-Path $Results 'xunit.trx'
    $arguments = @('test', (Join-Path $root 'tests/OpsRunbook.Tests'), '-c', $Configuration, '--no-build', '--nologo',
        '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=normal', '--results-directory', $Results,
        # A test that hangs is ended and named (no test takes a minute; the suite must not wait forever on one).
        '--blame-hang-timeout', '5m', '--blame-hang-dump-type', 'none')
    if ($Filter) { $arguments += @('--filter', $Filter) }
    & dotnet @arguments | Tee-Object -FilePath (Join-Path $Results 'xunit.log') | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trx)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Note = "xunit wrote no results (exit $exit)" } }
    $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted + [int]$counters.notExecuted
    if ($exit -ne 0 -and $failed -eq 0) { $failed = 1 }
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = $failed; Note = "xunit: $($counters.passed) passed, $failed failed" }
}

function Invoke-PesterSuite([string]$Results) {
    $counts = Join-Path $Results 'pester-counts.json'
    $arguments = @('pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/pester/Invoke-PesterSuite.ps1'),
        '-ResultDirectory', $Results)
    if ($Filter) { $arguments += @('-FullNameFilter', $Filter) }
    & dotnet @arguments | Tee-Object -FilePath (Join-Path $Results 'pester.log') | Out-Host
    if (-not (Test-Path $counts)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Note = "Pester wrote no results (exit $LASTEXITCODE)" } }
    $c = Get-Content $counts -Raw | ConvertFrom-Json
    [pscustomobject]@{ Passed = [int]$c.Passed; Failed = [int]$c.Failed; Note = "Pester: $($c.Passed) passed, $($c.Failed) failed (skipped and not run count as failed)" }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $root 'out/test-results'
    Remove-Item -Recurse -Force $results -ErrorAction Ignore
    $null = New-Item -ItemType Directory $results
    $outcomes = [System.Collections.Generic.List[object]]::new()
    Use-TestBed {
        param($bed)
        if ($Suite -in 'All', 'Xunit') { $outcomes.Add((Invoke-XunitSuite $results)) }
        if ($Suite -in 'All', 'Pester') { $outcomes.Add((Invoke-PesterSuite $results)) }
        # The bed's password and the hostile set, in every form, in every output, log, artifact, container log and
        # temporary file of the module's: run before the bed is removed, dot-files included.
        $secrets = @(Get-TestBedKnownPassword) + @((Get-TestBedHostilePassword).password)
        $leaks = @(Find-TestBedLeak -Path $results, $bed.Environment.OPSRUNBOOK_TEST_ARTIFACTS, (Join-Path $bed.Root 'logs') -Secret $secrets `
            -TemporaryFolder $bed.Environment.TMPDIR -DockerRoot (Join-Path $bed.Root 'docker/data'))
        # What Pester's TestDrives held, swept by Invoke-PesterSuite.ps1 before Pester removed them.
        $testDrive = Join-Path $results 'testdrive-leaks.txt'
        if (Test-Path $testDrive) { $leaks += @(Get-Content $testDrive | ForEach-Object { $path, $which = $_ -split "`t"; [pscustomobject]@{ Path = "$path (TestDrive)"; Secrets = $which } }) }
        if ($leaks.Count) {
            $outcomes.Add([pscustomobject]@{ Passed = 0; Failed = 1; Note = "a test password (of $($secrets.Count)) appears in: $(($leaks | ForEach-Object { "$($_.Path) ($($_.Secrets))" }) -join ', ')" })
        }
        else {
            $outcomes.Add([pscustomobject]@{ Passed = 1; Failed = 0; Note = "password sweep: none of the $($secrets.Count) test passwords appears in any output, log, artifact, container log or temporary file, in any form" })
        }
    }
    $outcomes | ForEach-Object { Write-Host $_.Note }
    $passed = ($outcomes | Measure-Object Passed -Sum).Sum
    $failed = ($outcomes | Measure-Object Failed -Sum).Sum
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build
    $package = & (Join-Path $root 'tools/Publish-ModulePackage.ps1') -ModuleDirectory (Join-Path $root 'out/OpsRunbook') -Destination (Join-Path $root 'out/repository')
    Write-Host "Package: $($package.FullName)"
}

function Invoke-Docs {
    # Without the help step, which would fail for the very pages this task writes.
    Invoke-Build -Property '-p:SkipHelp=true'
    # In a new pwsh, so this session does not hold the freshly built assemblies.
    & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $root 'tools/New-DocsSkeleton.ps1')
    if ($LASTEXITCODE) { throw 'Writing the docs skeletons failed.' }
}

function Invoke-Bench {
    Invoke-Build
    $only = if ($Section) { @{ Section = $Section } } else { @{} }
    Use-TestBed { & (Join-Path $root 'bench/Invoke-Benchmark.ps1') @only }
}

function Invoke-Demo {
    Invoke-Build
    Use-TestBed { & (Join-Path $root 'samples/Start-LocalStackDemo.ps1') }
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Package' { Invoke-Package }
        'Docs' { Invoke-Docs }
        'Bench' { Invoke-Bench }
        'Demo' { Invoke-Demo }
    }
}
