BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DatabaseTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $script:Url = Get-TestDatabaseUrl
    $script:CommandId = 'OpsRunbook.Database.InvokeDatabaseMaintenanceCommand'

    function Get-FileNode([string]$Relation) { [long](Invoke-TestPsql "SELECT pg_relation_filenode('$Relation')" -User postgres) }
}

Describe 'Invoke-DatabaseMaintenance' {
    BeforeEach { $script:Table = New-TestBloatedTable -Rows 5000 }
    AfterEach { $null = Invoke-TestPsql "DROP TABLE IF EXISTS $Table" -User postgres }

    It 'runs VACUUM ANALYZE without asking (it locks nothing) and writes sizes and duration per table' {
        $results = Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Vacuum, Analyze
        $mine = $results | Where-Object Table -eq "public.$Table"
        $mine | Should -BeOfType ([OpsRunbook.DatabaseMaintenanceResult])
        $mine.Command | Should -Be "VACUUM (ANALYZE) public.$Table"
        $mine.Operation | Should -Be ([OpsRunbook.DatabaseMaintenanceOperation]'Vacuum, Analyze')
        $mine.Database | Should -Be 'opsrunbook'
        $mine.Duration | Should -BeGreaterThan ([timespan]::Zero)
        $mine.SizeAfterBytes | Should -Be ([long](Invoke-TestPsql "SELECT pg_total_relation_size('$Table')"))
        Invoke-TestPsql "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '$Table'" | Should -Be '0'
    }

    It 'asks before VACUUM FULL (ConfirmImpact High): -WhatIf changes nothing, where nobody can answer nothing runs, -Force runs' {
        $node = Get-FileNode $Table
        Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull -Table $Table -WhatIf | Should -BeNullOrEmpty
        { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull -Table $Table -ErrorAction Stop } | Should -Throw '*NonInteractive*'
        Get-FileNode $Table | Should -Be $node
        (Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull -Table $Table -Confirm:$false).Command | Should -Be "VACUUM (FULL) public.$Table"
        Get-FileNode $Table | Should -Not -Be $node
    }

    It 'says what -WhatIf would do, per table' {
        $output = Invoke-NewPwsh -Environment @{ ORB_DATABASE_URL = $Url } -Command @"
Import-Module '$(Get-BuiltModulePath)'
Invoke-DatabaseMaintenance -ConnectionString `$env:ORB_DATABASE_URL -Operation Reindex -Concurrently -Table $Table -WhatIf
"@
        ($output -join "`n") | Should -Match ([regex]::Escape("What if: Performing the operation `"REINDEX TABLE CONCURRENTLY`" on target `"public.$Table in opsrunbook (postgres://opsrunbook@"))
    }

    It 'maintains the tables Get-DatabaseSize finds, from the pipeline' {
        $results = Get-DatabaseSize -ConnectionString $Url -Table | Where-Object Name -eq $Table |
            Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull -Force
        $results.Table | Should -Be "public.$Table"
        $results.SavedBytes | Should -BeGreaterThan 0
    }

    It 'shows its results as a table of database, table, command, sizes and duration' {
        $text = Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull -Table $Table -Force | Format-Table | Out-String -Width 250
        $text | Should -Match 'Database\s+Table\s+Command\s+Before\s+After\s+Saved\s+Duration'
        $text | Should -Match "opsrunbook\s+public\.$Table\s+VACUUM \(FULL\) public\.$Table\s+\d+(\.\d)? MB\s+\d+(\.\d)? (kB|MB)\s+\d+(\.\d)? (kB|MB)\s+\d\d:\d\d:\d\d\.\d"
    }

    It 'shows progress while it waits for a lock, names the holder, and gives up at -LockTimeoutSec' {
        $application = New-TestTableName 'holder'
        $holder = Start-TestPsqlSession $application 'BEGIN;', "SELECT count(*) FROM $Table;"
        $shell = [powershell]::Create()
        try {
            Wait-TestCondition { $holder.StandardOutput.ReadLine() -eq '5000' } 'the lock holder'
            $holderPid = (Get-TestSessionPid $application)[0]
            $null = $shell.AddScript("Import-Module '$(Get-BuiltModulePath)'; Invoke-DatabaseMaintenance -ConnectionString '$Url' -Operation VacuumFull -Table $Table -LockTimeoutSec 3 -Force")
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = $shell.Invoke()
            $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2.9
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 15
            $shell.Streams.Error | Should -HaveCount 1
            $shell.Streams.Error[0].FullyQualifiedErrorId | Should -Be "LockTimeout,$CommandId"
            $shell.Streams.Error[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $shell.Streams.Progress.StatusDescription | Should -Contain "public.$Table (1 of 1): waiting for a lock held by pid $holderPid"
            $shell.Streams.Progress.Activity | Sort-Object -Unique | Should -Be 'VACUUM (FULL) in opsrunbook'
        }
        finally {
            $shell.Dispose()
            $holder | Stop-TestPsqlSession
        }
    }

    It 'stops at once on Ctrl+C while VACUUM FULL waits, and leaves no statement on the server' {
        $application = New-TestTableName 'holder'
        $maintenance = New-TestTableName 'maint'
        $holder = Start-TestPsqlSession $application 'BEGIN;', "SELECT count(*) FROM $Table;"
        $shell = [powershell]::Create()
        try {
            Wait-TestCondition { $holder.StandardOutput.ReadLine() -eq '5000' } 'the lock holder'
            $null = $shell.AddScript("Import-Module '$(Get-BuiltModulePath)'; Invoke-DatabaseMaintenance -ConnectionString '$Url`?application_name=$maintenance' -Operation VacuumFull -Table $Table -Force")
            $running = $shell.BeginInvoke()
            Wait-TestCondition { Get-TestSessionPid $maintenance "wait_event_type = 'Lock'" } 'the VACUUM FULL waiting for the lock'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
            Wait-TestCondition { -not (Get-TestSessionPid $maintenance) } 'the maintenance session ending' -TimeoutSec 10
        }
        finally {
            $shell.Dispose()
            $holder | Stop-TestPsqlSession
        }
    }

    Context 'bad input' {
        It '<Case> is the error <ErrorId>' -ForEach @(
            @{ Case = 'Vacuum with VacuumFull'; ErrorId = 'ConflictingOperations'; Script = { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Vacuum, VacuumFull -Force } }
            @{ Case = '-Concurrently without Reindex'; ErrorId = 'ConcurrentlyNeedsReindex'; Script = { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Analyze -Concurrently } }
            @{ Case = 'an unknown table'; ErrorId = 'TableNotFound'; Script = { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Vacuum -Table no_such_table } }
            @{ Case = 'an unknown database'; ErrorId = 'DatabaseNotFound'; Script = { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Vacuum -Database no_such_db } }
            @{ Case = "REINDEX of the superuser's table"; ErrorId = 'PermissionDenied'; Script = {
                    $null = Invoke-TestPsql "CREATE TABLE ${Table}_root (id int PRIMARY KEY)" -User postgres
                    try { Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Reindex -Table "${Table}_root" -Force }
                    finally { $null = Invoke-TestPsql "DROP TABLE ${Table}_root" -User postgres }
                } }
        ) {
            $output = try { & $Script -ErrorAction Continue 2>&1 } catch { $_ }
            $err = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
            $err[0].CategoryInfo.Category | Should -Not -Be 'NotSpecified'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $text = ($err[0].Exception.ToString()) + ($output | Out-String)
            $text | Save-TestArtifact -Name 'invoke-databasemaintenance-errors.txt'
            $text.Contains($Password) | Should -BeFalse
        }
    }

    Context 'secrets' {
        It 'never shows the password in results, verbose text or the table' {
            $everything = Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Analyze -Table $Table -Verbose *>&1
            $text = ($everything | Out-String -Width 400) + ($everything | Where-Object { $_ -is [OpsRunbook.DatabaseMaintenanceResult] } | ConvertTo-Json)
            $text | Should -Match 'ANALYZE'
            $text | Save-TestArtifact -Name 'invoke-databasemaintenance-secrets.txt'
            $text.Contains($Password) | Should -BeFalse
        }
    }
}
