# One contract, both stores: the folder store and the PostgreSQL team store, through the cmdlets as users run them —
# ten runspaces writing to one incident at once, two processes opening incidents at the same moment, a store that
# cannot be written. The files and tables themselves are the witnesses.
BeforeDiscovery {
    $script:Stores = @(@{ Kind = 'folder' }, @{ Kind = 'PostgreSQL' })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:ModulePath = Get-BuiltModulePath
    $script:Databases = [System.Collections.Generic.List[string]]::new()
    $script:Roles = [System.Collections.Generic.List[string]]::new()

    function New-StoreDatabase {
        $name = 'orbis_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Invoke-TestPsql "CREATE DATABASE $name OWNER $($Bed.PG_USER)"
        $Databases.Add($name)
        $name
    }

    function Get-StoreUri([string]$Database, [string]$User = $Bed.PG_USER) {
        "postgres://$($User):$([uri]::EscapeDataString($Bed.PASSWORD))@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Database"
    }

    function Start-PwshProcess([string]$Command, [hashtable]$Environment) {
        $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Command)) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
        $process = [System.Diagnostics.Process]::Start($info)
        [pscustomobject]@{ Process = $process; Output = $process.StandardOutput.ReadToEndAsync(); Errors = $process.StandardError.ReadToEndAsync() }
    }
}

AfterAll {
    foreach ($name in $Databases) { $null = Invoke-TestPsql "DROP DATABASE IF EXISTS $name WITH (FORCE)" }
    foreach ($role in $Roles) { $null = Invoke-TestPsql "DROP ROLE IF EXISTS $role" }
}

Describe 'The <Kind> incident store' -ForEach $Stores {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    BeforeAll {
        if ($Kind -eq 'folder') {
            $script:StoreText = Join-Path $TestDrive 'store-folder'
            $script:Database = $null
        }
        else {
            $script:Database = New-StoreDatabase
            $script:StoreText = Get-StoreUri $Database
        }
    }

    It 'keeps exactly 1,000 notes, in order of time, from 10 runspaces adding 100 each to one incident' {
        $incident = Start-IncidentResponse 'Ten writers' -Severity P2 -Store $StoreText
        $output = 1..10 | ForEach-Object -ThrottleLimit 10 -Parallel {
            Import-Module $using:ModulePath
            $writer = $_
            foreach ($n in 1..100) {
                Add-IncidentNote -Id ($using:incident).Id -Text "runspace $writer note $n" -Store $using:StoreText -ErrorAction Stop
            }
            "runspace $writer done"
        } 2>&1
        @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        @($output | Where-Object { $_ -like 'runspace * done' }).Count | Should -Be 10

        $read = Get-Incident $incident.Id -Store $StoreText
        $notes = @($read.Timeline | Where-Object Kind -eq Note)
        $notes.Count | Should -Be 1000
        $read.NoteCount | Should -Be 1000
        @($notes.Text | Sort-Object -Unique).Count | Should -Be 1000
        $read.Timeline.Sequence | Should -Be (1..$read.Timeline.Count)
        for ($i = 1; $i -lt $read.Timeline.Count; $i++) {
            $read.Timeline[$i].Time | Should -BeGreaterThan $read.Timeline[$i - 1].Time
        }
        foreach ($writer in 1..10) {
            $own = $notes | Where-Object Text -like "runspace $writer note *" | ForEach-Object { [int]($_.Text -split ' ')[-1] }
            $own | Should -Be (1..100) -Because "runspace $writer's notes are in the order it wrote them"
        }

        # The store itself, read without the module.
        if ($Kind -eq 'folder') {
            @(Get-Content (Join-Path $StoreText "$($incident.Id).jsonl") | Where-Object { $_ -match '"kind":"Note"' }).Count | Should -Be 1000
        }
        else {
            Invoke-TestPsql -Database $Database -Sql "SELECT count(*) FROM opsrunbook.incident_entries WHERE incident_id = '$($incident.Id)' AND kind = 'Note'" | Should -Be 1000
            Invoke-TestPsql -Database $Database -Sql "SELECT count(*) FROM (SELECT recorded_at <= lag(recorded_at) OVER (ORDER BY sequence) AS back FROM opsrunbook.incident_entries WHERE incident_id = '$($incident.Id)') t WHERE back" | Should -Be 0
        }
    }

    It 'gives every incident its own Id when two processes open them at the same moment' {
        $barrier = Join-Path $TestDrive "go-$Kind"
        $command = @"
Import-Module '$ModulePath'
`$null = New-Item -ItemType File "$barrier-ready-`$PID"
`$deadline = [datetime]::UtcNow.AddSeconds(60)
while (-not (Test-Path '$barrier') -and [datetime]::UtcNow -lt `$deadline) { Start-Sleep -Milliseconds 2 }
foreach (`$n in 1..15) { (Start-IncidentResponse "process `$PID incident `$n" -Severity P3 -Store `$env:ORB_TEST_STORE).Id }
"@
        $processes = 1..2 | ForEach-Object { Start-PwshProcess -Command $command -Environment @{ ORB_TEST_STORE = $StoreText } }
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while (@(Get-ChildItem "$barrier-ready-*" -ErrorAction Ignore).Count -lt 2 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            @(Get-ChildItem "$barrier-ready-*").Count | Should -Be 2 -Because 'both processes are ready before either starts'
            $null = New-Item -ItemType File $barrier
            foreach ($p in $processes) { $p.Process.WaitForExit(120000) | Should -BeTrue }
        }
        finally {
            foreach ($p in $processes) { if (-not $p.Process.HasExited) { $p.Process.Kill($true) } }
        }

        foreach ($p in $processes) { $p.Errors.Result | Should -BeNullOrEmpty; $p.Process.ExitCode | Should -Be 0 }
        $ids = @($processes | ForEach-Object { $_.Output.Result -split "`n" } | Where-Object { $_ -match '^INC-' } | ForEach-Object Trim)
        $ids.Count | Should -Be 30
        @($ids | Sort-Object -Unique).Count | Should -Be 30
        $opened = Get-Incident -Id $ids -Store $StoreText
        @($opened).Count | Should -Be 30
        @($opened.Title | Where-Object { $_ -match '^process \d+ incident \d+$' }).Count | Should -Be 30
    }

    It 'is an error naming what to do, never a silent drop, when it cannot be written' {
        if ($Kind -eq 'folder') {
            $unwritable = '/proc/opsrunbook-incidents'
            $expectedCategory = 'WriteError'
        }
        else {
            # A role that may read the incident tables and nothing more.
            $role = 'orbis_reader_' + [guid]::NewGuid().ToString('N').Substring(0, 6)
            $Roles.Add($role)
            $null = Invoke-TestPsql "CREATE ROLE $role LOGIN PASSWORD '$($Bed.PASSWORD)'"
            $null = Invoke-TestPsql -Database $Database -Sql "GRANT USAGE ON SCHEMA opsrunbook TO $role; GRANT SELECT ON ALL TABLES IN SCHEMA opsrunbook TO $role"
            $unwritable = Get-StoreUri $Database $role
            $expectedCategory = 'PermissionDenied'
        }
        $before = @(Get-Incident -Store $StoreText).Count
        $err = try { Start-IncidentResponse 'Dropped?' -Severity P1 -Store $unwritable } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'IncidentStoreUnwritable,OpsRunbook.Incidents.StartIncidentResponseCommand'
        $err.CategoryInfo.Category | Should -Be $expectedCategory
        $err.Exception.Message | Should -Match 'Nothing was recorded'
        ($err | Out-String).Contains($Bed.PASSWORD) | Should -BeFalse
        @(Get-Incident -Store $StoreText).Count | Should -Be $before
    }
}
