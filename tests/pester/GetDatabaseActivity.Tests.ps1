BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DatabaseTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $script:Url = Get-TestDatabaseUrl
    $script:CommandId = 'OpsRunbook.Database.GetDatabaseActivityCommand'
    $script:Scene = Start-TestBlockingScene
}

AfterAll {
    if ($Scene) { Stop-TestBlockingScene $Scene }
}

Describe 'Get-DatabaseActivity' {
    Context 'the sessions of a server' {
        It 'shows the lock holder, the blocked query and the sleeping one, longest first, with the blocking chain' {
            $sessions = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application
            $sessions | Should -HaveCount 3
            $sessions | ForEach-Object { $_ | Should -BeOfType ([OpsRunbook.DatabaseSession]) }
            $sessions[0].Pid | Should -Be $Scene.HolderPid
            ($sessions.Duration | Sort-Object -Descending) | Should -Be $sessions.Duration
            $holder = $sessions | Where-Object Pid -eq $Scene.HolderPid
            $holder.State | Should -Be ([OpsRunbook.DatabaseSessionState]::IdleInTransaction)
            $holder.Blocking | Should -Be @($Scene.WaiterPid)
            $holder.TransactionDuration | Should -BeGreaterOrEqual $holder.Duration
            $waiter = $sessions | Where-Object Pid -eq $Scene.WaiterPid
            $waiter.State | Should -Be 'Active'
            $waiter.WaitEvent | Should -Match '^Lock:'
            $waiter.BlockedBy | Should -Be @($Scene.HolderPid)
            $sleeper = $sessions | Where-Object Pid -eq $Scene.SleeperPid
            $sleeper.Query | Should -Be 'SELECT pg_sleep(60) /* runaway-report */;'
            $sleeper.Duration | Should -BeGreaterThan ([timespan]::Zero)
            $sessions.User | Sort-Object -Unique | Should -Be $Bed.PG_USER
            $sessions.Database | Sort-Object -Unique | Should -Be $Bed.PG_DATABASE
        }

        It 'filters by state, duration, lock wait, user and database' {
            (Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -State Active).Pid | Sort-Object |
                Should -Be (@($Scene.WaiterPid, $Scene.SleeperPid) | Sort-Object)
            (Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -State IdleInTransaction, Idle).Pid | Should -Be $Scene.HolderPid
            (Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -Blocked).Pid | Should -Be $Scene.WaiterPid
            Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -MinDuration 01:00:00 | Should -BeNullOrEmpty
            Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -MinDuration 00:00:00.1 | Should -HaveCount 3
            Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -User postgres | Should -BeNullOrEmpty
            Get-DatabaseActivity -ConnectionString $Url -Application 'orb_app_*' -User opsr* -Database $Bed.PG_DATABASE |
                Where-Object Application -eq $Scene.Application | Should -HaveCount 3
            $cut = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -QueryLength 16 | Where-Object Pid -eq $Scene.SleeperPid
            $cut.Query | Should -Be 'SELECT pg_sleep('
            $cut.QueryTruncated | Should -BeTrue
        }

        It 'counts sessions per state against max_connections with -Summary' {
            $summary = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -Summary
            $summary | Should -BeOfType ([OpsRunbook.DatabaseActivitySummary])
            $summary.Sessions | Should -Be 3
            $summary.Active | Should -Be 2
            $summary.IdleInTransaction | Should -Be 1
            $summary.Blocked | Should -Be 1
            $summary.MaxConnections | Should -Be 30
            $summary.Connections | Should -BeGreaterOrEqual 4
            $witness = [int](Invoke-TestPsql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'" -User postgres)
            [math]::Abs($summary.Connections - $witness) | Should -BeLessOrEqual 3 -Because 'other tests may connect in between'
        }

        It 'connects through an inventory service, the PG* variables or a credential' {
            $inventory = New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')
            (Get-DatabaseActivity -Inventory $inventory -Name postgres -Application $Scene.Application).Pid | Should -HaveCount 3
            (Get-DatabaseActivity -Inventory $inventory -Application $Scene.Application -Blocked).Pid | Should -Be $Scene.WaiterPid
            $pg = @{ PGHOST = $Bed.PG_HOST; PGPORT = $Bed.PG_PORT; PGUSER = $Bed.PG_USER; PGPASSWORD = $Password; PGDATABASE = $Bed.PG_DATABASE }
            (Use-Environment $pg { Get-DatabaseActivity -Application $Scene.Application }).Pid | Should -HaveCount 3
            (Get-DatabaseActivity -ConnectionString $Bed.PostgresUri -Credential (New-TestCredential) -Application $Scene.Application -State Active).Pid |
                Should -HaveCount 2
        }
    }

    Context 'the default views' {
        It 'shows sessions as a table of pid, user, database, application, state, duration, wait, blockers and query' {
            $text = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application | Format-Table | Out-String -Width 250
            $text | Should -Match 'Pid\s+User\s+Database\s+Application\s+State\s+Duration\s+Wait\s+BlockedBy\s+Query'
            $text | Should -Match "$($Scene.WaiterPid)\s+opsrunbook\s+opsrunbook\s+$($Scene.Application)\s+Active\s+\d\d:\d\d:\d\d\.\d\s+Lock:\w+\s+$($Scene.HolderPid)\s+SELECT count"
            $text | Should -Match "$($Scene.HolderPid)\s+.*IdleInTransaction\s+\d\d:\d\d:\d\d\.\d\s+Client:ClientRead\s+SELECT 'locked';"
            # Longest first, as the view is sorted.
            $text.IndexOf("$($Scene.HolderPid) ") | Should -BeLessThan $text.IndexOf("$($Scene.WaiterPid) ")
        }

        It 'shows the summary as a table of connections and states' {
            $text = Get-DatabaseActivity -ConnectionString $Url -Summary | Format-Table | Out-String -Width 250
            $text | Should -Match 'Connections\s+Max\s+Used%\s+Active\s+Idle\s+IdleInTx\s+Blocked\s+LongestQuery\s+LongestTx\s+Server'
            $text | Should -Match '\d+\s+30\s+\d+\.\d\s+\d+'
            $text | Should -Match ([regex]::Escape("postgres://opsrunbook@$($Bed.PG_HOST):$($Bed.PG_PORT)/opsrunbook"))
        }
    }

    Context 'bad input' {
        It '<Case> is the error <ErrorId>' -ForEach @(
            @{ Case = 'an unknown database'; ErrorId = 'DatabaseNotFound'; Script = { Get-DatabaseActivity -ConnectionString $Url -Database no_such_db } }
            @{ Case = 'an unknown user'; ErrorId = 'UserNotFound'; Script = { Get-DatabaseActivity -ConnectionString $Url -User no_such_role } }
            @{ Case = 'a wrong password'; ErrorId = 'AuthenticationFailed'; Script = { Get-DatabaseActivity -ConnectionString ($Url.Replace([uri]::EscapeDataString($Password), 'not-the-password')) } }
            @{ Case = 'a closed port'; ErrorId = 'ConnectionFailed'; Script = { Get-DatabaseActivity -ConnectionString "postgres://opsrunbook:$Password@127.0.0.1:$(Get-ClosedPort)/opsrunbook" -TimeoutSec 3 } }
            @{ Case = 'an unparsable connection string'; ErrorId = 'InvalidConnectionString'; Script = { Get-DatabaseActivity -ConnectionString "Host=127.0.0.1;Password=$Password;Colour=blue" } }
            @{ Case = 'a service that is not Postgres'; ErrorId = 'ServiceNotPostgres'; Script = { Get-DatabaseActivity -Inventory (New-TestInventory -Path (Join-Path $TestDrive 's.psd1')) -Name redis } }
            @{ Case = 'a missing inventory'; ErrorId = 'InventoryNotFound'; Script = { Get-DatabaseActivity -Inventory (Join-Path $TestDrive 'nope.psd1') } }
            @{ Case = 'a negative -MinDuration'; ErrorId = 'InvalidMinDuration'; Script = { Get-DatabaseActivity -ConnectionString $Url -MinDuration '-00:01:00' } }
        ) {
            $output = try { & $Script -ErrorAction Continue 2>&1 } catch { $_ }
            $err = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $err | Should -Not -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
            $err[0].CategoryInfo.Category | Should -Not -Be 'NotSpecified'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            $err[0].Exception.GetType().FullName | Should -Be 'OpsRunbook.OpsRunbookException'
            $text = (($err | ForEach-Object { $_.Exception.ToString(); $_.ErrorDetails.Message; "$($_.TargetObject)" }) + ($output | Out-String)) -join "`n"
            $text | Save-TestArtifact -Name 'get-databaseactivity-errors.txt'
            $text.Contains($Password) | Should -BeFalse -Because 'no error may hold the password'
        }
    }

    Context 'secrets' {
        It 'never shows the password in objects, tables, JSON, verbose text or warnings' {
            $everything = & {
                Get-DatabaseActivity -ConnectionString $Url -Verbose
                Get-DatabaseActivity -ConnectionString $Url -Summary -Verbose
                Get-DatabaseActivity -ConnectionString $Url -IncludeBackground -WarningAction Continue
            } *>&1
            $objects = $everything | Where-Object { $_ -is [OpsRunbook.DatabaseSession] -or $_ -is [OpsRunbook.DatabaseActivitySummary] }
            $objects | Should -Not -BeNullOrEmpty
            $text = ($everything | Out-String -Width 400) + ($objects | Format-Table * | Out-String -Width 400) + ($objects | ConvertTo-Json -Depth 3 -WarningAction Ignore) +
                ($objects | ForEach-Object ToString | Out-String)
            # What crosses a process boundary (remoting, jobs) carries no connection and so no password.
            $objects | Export-Clixml -Path (Join-Path $TestDrive 'sessions.xml')
            $text += Get-Content (Join-Path $TestDrive 'sessions.xml') -Raw
            $text | Save-TestArtifact -Name 'get-databaseactivity-secrets.txt'
            $text.Contains($Password) | Should -BeFalse -Because 'no output may hold the password'
            $text.Contains([uri]::EscapeDataString($Password)) | Should -BeFalse
        }
    }
}
