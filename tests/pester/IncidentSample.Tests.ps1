# samples/agentic-platform.ps1: seed 001's incident process as a runbook, run in a new pwsh as a scheduler
# would run it, against the test bed: the api goes unready, and either recovers or does not.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Get-RepositoryRoot
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Project = 'orbsample' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Api = New-TestContainer -Project $Project -Service api -Script @'
trap 'exit 0' TERM
echo '{"level":"ERROR","msg":"pool exhausted: 20 of 20 connections in use"}'
while true; do sleep 0.1; done
'@
    $script:Switches = [System.Collections.Generic.List[string]]::new()

    function New-SampleRun([int]$DownSeconds) {
        $switch = 'sample-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $Switches.Add($switch)
        $work = Join-Path $TestDrive $switch
        $null = New-Item -ItemType Directory $work
        # Seed 001's stack, on the test bed: the api's readiness follows the switch.
        $inventory = Join-Path $work 'agentic-platform.stack.psd1'
        (Get-Content (Join-Path $Root 'samples/agentic-platform.stack.psd1') -Raw).
            Replace('postgres://postgres@localhost:5432/agentic_db', "postgres://postgres@127.0.0.1:$($Bed.PG_PORT)/postgres").
            Replace('redis://localhost:6379', $Bed.RedisUri).
            Replace('http://localhost:8000/health/ready', "$Http/health/ready?switch=$switch").
            Replace('agentic-api-prod', $Api) | Set-Content $inventory
        $channel = $switch
        $null = Invoke-RestMethod -Method Post "$Http/switch/$switch/down?seconds=$DownSeconds"
        [pscustomobject]@{
            Work = $work; Inventory = $inventory; Channel = $channel; Store = (Join-Path $work 'incidents')
            Environment = @{
                PSModulePath                = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
                OPSRUNBOOK_INCIDENT_STORE   = (Join-Path $work 'incidents')
                SLACK_WEBHOOK_URL           = "$Http/webhook/$channel"
                DOCKER_HOST                 = $Bed.DOCKER_HOST
                AGENTIC_PG_PASSWORD         = $Bed.PASSWORD
                AGENTIC_REDIS_PASSWORD      = $Bed.PASSWORD
            }
        }
    }
}

AfterAll {
    foreach ($switch in $Switches) { $null = Invoke-RestMethod -Method Post "$Http/switch/$switch/up" }
    Remove-TestProject $Project
}

Describe 'samples/agentic-platform.ps1 (seed 001: the incident response process)' {
    It 'detects, opens a P1 with evidence, restarts, investigates, waits for recovery, monitors, resolves and writes the post-mortem' {
        $run = New-SampleRun -DownSeconds 15
        $startedBefore = Get-DockerState $Api '{{.State.StartedAt}}'
        $output = Invoke-NewPwsh -NoConsoleInput -Environment $run.Environment -WorkingDirectory $run.Work -Command @"
& '$Root/samples/agentic-platform.ps1' -Inventory ./agentic-platform.stack.psd1 -Commander oncall -Restart -RecoveryTimeoutSec 60 -MonitorSec 2 -MonitorIntervalSec 1 -ReportPath ./postmortems
'exit-code:' + `$LASTEXITCODE
"@
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'sample-agentic-platform-incident.txt'
        $output | Should -Contain 'exit-code:0'
        foreach ($step in 1..9) { $text | Should -Match "Step $($step):" }
        $text | Should -Match 'Step 2: 1 of 3 services are not healthy \(api Unhealthy\): P1'
        $text | Should -Match "Step 4: restarted $Api"
        $text.Contains($Bed.PASSWORD) | Should -BeFalse

        Import-BuiltModule
        $incident = Get-Incident -Store $run.Store
        @($incident).Count | Should -Be 1
        $incident.Severity | Should -Be 'P1'
        $incident.Status | Should -Be 'Resolved'
        $incident.Commander | Should -Be 'oncall'
        $incident.Services | Should -Be @('api')
        $incident.Evidence.Name | Should -Contain "03-logs-$Api.log"
        ($incident.Timeline | Where-Object Kind -eq Note).Text | Should -Contain "Step 4: restarted $Api"
        ($incident.Timeline | Where-Object Kind -eq Note).Text -match "Step 5: $Api logged [1-9]\d* error lines in 30 minutes: first 'pool exhausted" | Should -Not -BeNullOrEmpty
        $incident.MitigatedAt | Should -BeLessThan $incident.ResolvedAt
        $incident.PostMortemDueAt | Should -Be $incident.ResolvedAt.AddHours(48)
        Get-DockerState $Api '{{.State.StartedAt}}' | Should -Not -Be $startedBefore -Because 'step 4 restarted the container'

        # Invoke-RestMethod writes a JSON array as one object: the parentheses unroll it.
        $posts = @((Invoke-RestMethod "$Http/webhook/$($run.Channel)"))
        $posts.text | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('[INCIDENT]', '[UPDATE]', '[UPDATE]', '[RESOLVED]')
        $posts[2].text | Should -Match 'Status: Monitoring'
        $report = Join-Path $run.Work "postmortems/$($incident.Id)-postmortem.md"
        $report | Should -Exist
        Get-Content $report -Raw | Should -Match '(?m)^\| Time to resolve \|.*\| \d\d:\d\d:\d\d\.\d'
    }

    It 'leaves the incident open, says who is next, and exits 1 when the stack does not recover' {
        $run = New-SampleRun -DownSeconds 600
        $output = Invoke-NewPwsh -NoConsoleInput -Environment $run.Environment -WorkingDirectory $run.Work -Command @"
& '$Root/samples/agentic-platform.ps1' -Inventory ./agentic-platform.stack.psd1 -RecoveryTimeoutSec 2 -MonitorSec 1
'exit-code:' + `$LASTEXITCODE
"@
        $output | Should -Contain 'exit-code:1'
        ($output -join "`n") | Should -Match 'is still open; escalated to On-call engineer; next: Team lead at'
        Import-BuiltModule
        $incident = Get-Incident -Store $run.Store
        $incident.Status | Should -Be 'Investigating'
        ($incident.Timeline | Where-Object Kind -eq Note).Text | Should -Contain 'Step 7: not recovered within 2 s'
    }

    It 'opens nothing and exits 0 when every service is healthy' {
        $run = New-SampleRun -DownSeconds 0
        $output = Invoke-NewPwsh -NoConsoleInput -Environment $run.Environment -WorkingDirectory $run.Work -Command @"
& '$Root/samples/agentic-platform.ps1' -Inventory ./agentic-platform.stack.psd1
'exit-code:' + `$LASTEXITCODE
"@
        $output | Should -Contain 'exit-code:0'
        ($output -join "`n") | Should -Match 'All 3 services are healthy: no incident\.'
        $run.Store | Should -Not -Exist
    }
}

Describe 'Drill: samples/agentic-platform.ps1 (seed 001) on a real stack: a runaway query, a corrupt backup, a full recovery' {
    BeforeAll {
        Import-BuiltModule
        $script:Stack = New-DrillStack -Project ('orbap' + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Root $TestDrive
        $script:Before = Get-DrillData $Stack
        $script:Store = Join-Path $TestDrive 'drill-incidents'
        $script:Common = "-Inventory '$($Stack.Inventory)'"
        $script:Psql = "$($Bed.PG_BIN)/psql"
    }

    AfterAll {
        if ($Stack) { Remove-TestProject $Stack.Project }
    }

    It 'terminates the runaway query, and records it on the incident named with -IncidentId' {
        $incident = Start-IncidentResponse -Store $Store -Title 'Connection pool exhausted' -Severity P1
        Set-IncidentContext -Clear
        # The fault: a query that would run for 10 minutes, from a psql this test starts (and stops by its pid).
        $start = [System.Diagnostics.ProcessStartInfo]::new($Psql)
        foreach ($argument in '-X', '-q', '-h', '127.0.0.1', '-p', "$($Stack.PostgresPort)", '-U', 'postgres', '-d', 'app', '-c', 'SELECT pg_sleep(600)') { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardError = $true
        $runaway = [System.Diagnostics.Process]::Start($start)
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            do { Start-Sleep -Milliseconds 300; $running = & $Psql -X -A -t -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'" } until ($running -eq '1' -or [datetime]::UtcNow -gt $deadline)
            $running | Should -Be '1'
            Start-Sleep -Seconds 2

            $output = Invoke-Sample agentic-platform.ps1 "-Procedure KillQueries $Common -MinQueryDurationSec 1 -IncidentId $($incident.Id)" -Environment @{ OPSRUNBOOK_INCIDENT_STORE = $Store }
            $text = $output -join "`n"
            $output[-1] | Should -Be 'exit-code:0' -Because $text
            $text | Should -Match '1 active sessions running for more than 1 s'
            $text | Should -Match 'Terminated'

            # psql, the witness: the query is gone, and its client was disconnected.
            (& $Psql -X -A -t -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(600)'") | Should -Be '0'
            $runaway.WaitForExit(10000) | Should -BeTrue
            (Get-DrillData $Stack).Postgres | Should -Be $Before.Postgres

            $actions = @((Get-Incident -Id $incident.Id -Store $Store).Actions)
            $actions.Command | Should -Be @('Get-DatabaseActivity', 'Stop-DatabaseSession')
            $actions[1].Summary | Should -Match '^1 session: 1 Terminated \(pid \d+ '
            $actions[1].Parameters | Should -Match '-Terminate -Confirm:\$false'
        }
        finally { if (-not $runaway.HasExited) { $runaway.Kill() } }
    }

    It 'refuses a corrupt backup before touching the database, restores the newest good one, and the API is back' {
        $backups = Join-Path $TestDrive 'backups'
        $good = Invoke-Sample agentic-platform.ps1 "-Procedure Backup $Common -BackupPath '$backups'"
        $good[-1] | Should -Be 'exit-code:0' -Because ($good -join "`n")
        # The data is damaged; a later backup of it is corrupted on disk.
        & $Psql -X -q -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c 'DELETE FROM positions WHERE id > 500' | Out-Null
        Start-Sleep -Seconds 1
        $null = Invoke-Sample agentic-platform.ps1 "-Procedure Backup $Common -BackupPath '$backups'"
        $newest = Get-ChildItem $backups -Filter '*.sql.gz' | Sort-Object LastWriteTimeUtc | Select-Object -Last 1
        $bytes = [IO.File]::ReadAllBytes($newest.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 0xff
        [IO.File]::WriteAllBytes($newest.FullName, $bytes)
        # sha256sum, the witness: the sidecar no longer matches.
        Push-Location $backups
        try { & sha256sum -c "$($newest.Name).sha256" 2>&1 | Out-Null; $LASTEXITCODE | Should -Not -Be 0 }
        finally { Pop-Location }

        $refused = Invoke-Sample agentic-platform.ps1 "-Procedure Restore $Common -BackupFile '$($newest.FullName)'"
        $text = $refused -join "`n"
        $refused[-1] | Should -Be 'exit-code:1' -Because $text
        $text | Should -Match 'Refused: .*does not match its \.sha256 sidecar'
        $text | Should -Match 'Step 4: every service is healthy'
        (Get-DrillData $Stack).Postgres | Should -Match '^500 rows' -Because 'the refused restore touched nothing'

        $restored = Invoke-Sample agentic-platform.ps1 "-Procedure Restore $Common -BackupPath '$backups'"
        $restored[-1] | Should -Be 'exit-code:0' -Because ($restored -join "`n")
        (Get-DrillData $Stack).Postgres | Should -Be $Before.Postgres
        Test-DrillStackHealthy $Stack | Should -BeTrue
    }

    It 'names the expired certificate among the scenarios'' checks, and exits 1' {
        $output = Invoke-Sample agentic-platform.ps1 "-Procedure Diagnose $Common -DataPath '$TestDrive' -TlsUri tls://127.0.0.1:$($Bed.TLS_EXPIRED_PORT) -CaCertificatePath '$($Bed.TLS_CA)'"
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:1' -Because $text
        $text | Should -Match 'certificate\s+Tls\s+Unhealthy'
        $text | Should -Match 'MaxConnections'
        $text | Should -Match ([regex]::Escape($Stack.Api))
    }

    It 'recovers the whole stack in order after every service went down' {
        Test-DrillStackHealthy $Stack | Should -BeTrue
        $null = Invoke-Docker kill $Stack.Api $Stack.Postgres $Stack.Redis
        $output = Invoke-Sample agentic-platform.ps1 "-Procedure Recover $Common -StartupTimeoutSec 120"
        $output[-1] | Should -Be 'exit-code:0' -Because ($output -join "`n")
        Test-DrillStackHealthy $Stack | Should -BeTrue
        [datetimeoffset](Get-DockerState $Stack.Api '{{.State.StartedAt}}') | Should -BeGreaterThan ([datetimeoffset](Get-DockerState $Stack.Postgres '{{.State.StartedAt}}'))
        (Get-DrillData $Stack).Postgres | Should -Be $Before.Postgres
    }
}
