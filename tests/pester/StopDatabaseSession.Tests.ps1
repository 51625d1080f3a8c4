BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DatabaseTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $script:Url = Get-TestDatabaseUrl
    $script:CommandId = 'OpsRunbook.Database.StopDatabaseSessionCommand'
}

Describe 'Stop-DatabaseSession' {
    BeforeEach { $script:Scene = Start-TestBlockingScene }
    AfterEach { Stop-TestBlockingScene $Scene }

    Context 'from the pipeline of Get-DatabaseActivity' {
        It 'cancels the runaway query and terminates the lock holder, and psql sees them gone' {
            $cancelled = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -State Active |
                Where-Object Query -like '*runaway-report*' |
                Stop-DatabaseSession -Confirm:$false
            $cancelled | Should -BeOfType ([OpsRunbook.DatabaseSessionStopResult])
            $cancelled.Pid | Should -Be $Scene.SleeperPid
            $cancelled.Action | Should -Be 'Cancel'
            $cancelled.Status | Should -Be 'Cancelled'
            $cancelled.Query | Should -BeLike '*pg_sleep(60)*'
            Get-TestSessionPid $Scene.Application "pid = $($Scene.SleeperPid) AND state = 'active'" | Should -BeNullOrEmpty
            $Scene.Sleeper.WaitForExit(10000) | Should -BeTrue
            $Scene.Sleeper.StandardError.ReadToEnd() | Should -Match 'canceling statement due to user request'

            $terminated = Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application | Where-Object Blocking |
                Stop-DatabaseSession -Terminate -Force
            $terminated.Pid | Should -Be $Scene.HolderPid
            $terminated.Status | Should -Be 'Terminated'
            $terminated.State | Should -Be 'IdleInTransaction'
            Invoke-TestPsql "SELECT count(*) FROM pg_stat_activity WHERE pid = $($Scene.HolderPid)" -User postgres | Should -Be '0'
            # With the lock gone, the blocked query goes through.
            $Scene.Waiter.StandardOutput.ReadLine() | Should -Be '1'
        }

        It 'stops sessions that crossed a process boundary by their Pid, with the connection given again' {
            $file = Join-Path $TestDrive 'sessions.xml'
            Get-DatabaseActivity -ConnectionString $Url -Application $Scene.Application -State Active | Export-Clixml $file
            $results = Import-Clixml $file | Stop-DatabaseSession -ConnectionString $Url -Terminate -Force
            $results.Pid | Sort-Object | Should -Be (@($Scene.WaiterPid, $Scene.SleeperPid) | Sort-Object)
            $results.Status | Sort-Object -Unique | Should -Be 'Terminated'
            Get-TestSessionPid $Scene.Application | Should -Be $Scene.HolderPid
        }

        It 'takes pids given by -Pid and reports a session with no query as NothingToCancel' {
            $results = Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.HolderPid, $Scene.SleeperPid -Confirm:$false
            ($results | Where-Object Pid -eq $Scene.HolderPid).Status | Should -Be 'NothingToCancel'
            ($results | Where-Object Pid -eq $Scene.SleeperPid).Status | Should -Be 'Cancelled'
            Get-TestSessionPid $Scene.Application "pid = $($Scene.HolderPid) AND state = 'idle in transaction'" | Should -Be $Scene.HolderPid
        }
    }

    Context 'confirmation' {
        It 'changes nothing with -WhatIf and says what it would do' {
            $output = Invoke-NewPwsh -Environment @{ ORB_DATABASE_URL = $Url } -Command @"
Import-Module '$(Get-BuiltModulePath)'
Get-DatabaseActivity -ConnectionString `$env:ORB_DATABASE_URL -Application $($Scene.Application) | Stop-DatabaseSession -Terminate -WhatIf
'results:' + @(Get-DatabaseActivity -ConnectionString `$env:ORB_DATABASE_URL -Application $($Scene.Application) | Stop-DatabaseSession -Terminate -WhatIf).Count
"@
            $text = $output -join "`n"
            $text | Save-TestArtifact -Name 'stop-databasesession-whatif.txt'
            $text | Should -Match ([regex]::Escape("What if: Performing the operation `"Terminate the session (pg_terminate_backend)`" on target `"pid $($Scene.SleeperPid) (opsrunbook@opsrunbook, Active, "))
            $text | Should -Match 'SELECT pg_sleep\(60\) /\* runaway-report \*/;"'
            @($output | Where-Object { $_ -like 'What if:*' }).Count | Should -Be 6
            $output | Should -Contain 'results:0'
            $text.Contains($Password) | Should -BeFalse
            Get-TestSessionPid $Scene.Application | Should -HaveCount 3
        }

        It 'asks before it acts (ConfirmImpact High): where nobody can answer, it stops without acting' {
            { Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.SleeperPid -Terminate -ErrorAction Stop } | Should -Throw '*NonInteractive*'
            Get-TestSessionPid $Scene.Application "pid = $($Scene.SleeperPid)" | Should -Be $Scene.SleeperPid
            (Get-Command Stop-DatabaseSession).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false).ConfirmImpact | Should -Be 'High'
        }

        It 'does not ask with -Confirm:$false, -Force or $ConfirmPreference = None' {
            (Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.SleeperPid -Confirm:$false).Status | Should -Be 'Cancelled'
            (Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.WaiterPid -Force).Status | Should -Be 'Cancelled'
            & { $ConfirmPreference = 'None'; Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.HolderPid -Terminate } | ForEach-Object Status | Should -Be 'Terminated'
        }
    }

    Context 'the default view' {
        It 'shows pid, action, status, user, database, elapsed time and query' {
            $text = Stop-DatabaseSession -ConnectionString $Url -Pid $Scene.SleeperPid, $Scene.HolderPid -Force | Format-Table | Out-String -Width 250
            $text | Should -Match 'Pid\s+Action\s+Status\s+User\s+Database\s+Elapsed\s+Query'
            $text | Should -Match "$($Scene.SleeperPid)\s+Cancel\s+Cancelled\s+opsrunbook\s+opsrunbook\s+\d\d:\d\d:\d\d\.\d\s+SELECT pg_sleep"
            $text | Should -Match "$($Scene.HolderPid)\s+Cancel\s+NothingToCancel"
        }
    }

    Context 'bad input' {
        It 'reports an unknown pid as SessionNotFound and goes on with the others' {
            $results = Stop-DatabaseSession -ConnectionString $Url -Pid 2147483647, $Scene.SleeperPid -Force -ErrorVariable problems -ErrorAction SilentlyContinue
            $results.Pid | Should -Be $Scene.SleeperPid
            $problems | Should -HaveCount 1
            $problems[0].FullyQualifiedErrorId | Should -Be "SessionNotFound,$CommandId"
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $problems[0].TargetObject | Should -Be 2147483647
            $problems[0].ErrorDetails.RecommendedAction | Should -Match 'Get-DatabaseActivity'
        }

        It "refuses the superuser's session with PermissionDenied and leaves it running" {
            $application = New-TestTableName 'root'
            $root = Start-TestPsqlSession $application 'SELECT pg_sleep(60);' -User postgres
            try {
                Wait-TestCondition { Get-TestSessionPid $application "state = 'active'" } "the superuser's query"
                $pidOfRoot = (Get-TestSessionPid $application)[0]
                $output = Stop-DatabaseSession -ConnectionString $Url -Pid $pidOfRoot -Terminate -Force -ErrorAction Continue 2>&1
                $err = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
                $err | Should -HaveCount 1
                $err[0].FullyQualifiedErrorId | Should -Be "PermissionDenied,$CommandId"
                $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
                $err[0].Exception.Message | Should -Match 'SQLSTATE 42501'
                ($output | Out-String).Contains($Password) | Should -BeFalse
                Get-TestSessionPid $application "state = 'active'" | Should -Be $pidOfRoot
            }
            finally {
                $null = Invoke-TestPsql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$application'" -User postgres
                $root | Stop-TestPsqlSession
            }
        }
    }
}

Describe 'Stop-DatabaseSession parameters' {
    It 'refuses a pid of <Value> before connecting' -ForEach @(@{ Value = 0 }, @{ Value = -1 }) {
        { Stop-DatabaseSession -ConnectionString $Url -Pid $Value -Force } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsRunbook.Database.StopDatabaseSessionCommand'
    }

    It 'refuses an unparsable connection string with InvalidConnectionString' {
        $err = try { Stop-DatabaseSession -ConnectionString "Host=127.0.0.1;Password=$Password;Colour=blue" -Pid 42 -Force } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be "InvalidConnectionString,$CommandId"
        $err.Exception.Message.Contains($Password) | Should -BeFalse
    }
}
