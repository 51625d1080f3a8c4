AfterAll {
    Stop-ExampleWorkerSession
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Get-RepositoryRoot
}

Describe 'samples/portfolio-advisor.ps1 (seed 000: startup procedure and health checks)' {
    It 'waits for the stack in order, prints the health table and exits 0 when all is healthy' {
        $work = Join-Path $TestDrive 'sample'
        $environment = Initialize-ExampleDirectory -Path $work
        $environment.PSModulePath = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $work -Command @"
& '$Root/samples/portfolio-advisor.ps1' -Inventory ./stack.psd1 -StartupTimeoutSec 30
exit `$LASTEXITCODE
"@
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'sample-portfolio-advisor-health.txt'
        $text | Should -Match 'Step 1: waiting for PostgreSQL and Redis'
        $text | Should -Match 'Name\s+Kind\s+Status'
        $text | Should -Match 'api\s+Http\s+Healthy'
        $text | Should -Match 'postgres\s+Postgres\s+Healthy'
        $text | Should -Match 'postgresql\s+Healthy\s+ok'
        $text | Should -Match 'All 4 services are healthy\.'
        $text | Should -Match 'Cache hit rate of redis: (\d+(\.\d)?%|n/a \(no lookups yet\)) \((NoData|Normal|Warning|Alert)\)'
        $text.Contains((Get-TestBed).PASSWORD) | Should -BeFalse -Because 'no output may hold the password'
    }

    It 'exits 1 and names the service when one is down' {
        $work = Join-Path $TestDrive 'sample-down'
        $environment = Initialize-ExampleDirectory -Path $work
        $environment.PSModulePath = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        # The liveness endpoint pointed at a closed port: the stack starts, but one check fails.
        $inventory = Join-Path $work 'stack.psd1'
        (Get-Content $inventory -Raw).Replace("$((Get-TestBed).HTTP_URL)/health'", "http://127.0.0.1:$(Get-ClosedPort)/health'") | Set-Content $inventory
        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $work -Command @"
& '$Root/samples/portfolio-advisor.ps1' -Inventory ./stack.psd1 -StartupTimeoutSec 30
'exit-code:' + `$LASTEXITCODE
"@
        $output | Should -Contain 'exit-code:1'
        ($output -join "`n") | Should -Match 'api-liveness is Unhealthy: connection refused'
    }
}

Describe 'Drill: samples/portfolio-advisor.ps1 -Procedure Respond (seed 000) on a real stack whose database and API die' {
    BeforeAll {
        Import-BuiltModule
        $script:Bed = Get-TestBed
        # The api's log holds seed 000's failed request, its failed span and a circuit-breaker event.
        $apiLog = @(
            '{"level":"INFO","msg":"api listening on :8000"}'
            '{"level":"ERROR","msg":"Analysis failed","trace_id":"trace-abc123","error":{"name":"UpstreamTimeout"}}'
            '{"level":"INFO","msg":"span market_data_node","trace_id":"trace-abc123","status":"error","latency_ms":30012}'
            'level=warn msg="circuit_opened" dependency=market-data failures=5'
        )
        $script:Stack = New-DrillStack -Project ('orbpa' + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Root $TestDrive -ApiLog $apiLog
        $script:Before = Get-DrillData $Stack
        $script:Channel = 'pa-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Store = Join-Path $TestDrive 'incidents'
    }

    AfterAll {
        if ($Stack) { Remove-TestProject $Stack.Project }
    }

    It 'with -WhatIf, says what it would do and changes nothing: no container started, no incident recorded' {
        $null = Invoke-Docker kill $Stack.Postgres $Stack.Api
        $output = Invoke-Sample portfolio-advisor.ps1 "-Procedure Respond -Inventory '$($Stack.Inventory)' -IncidentStore '$Store' -WhatIf"
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:0'
        $text | Should -Match 'Severity P1'
        $text | Should -Match 'What if: Performing the operation "Open" on target "P1 incident'
        $text | Should -Match "What if: .*$([regex]::Escape($Stack.Postgres))"
        Get-DockerState $Stack.Postgres | Should -Be 'exited'
        Get-DockerState $Stack.Api | Should -Be 'exited'
        $Store | Should -Not -Exist
    }

    It 'opens a P1, starts the stack again in order, closes the incident and reports every action with its time; the data is intact' {
        # The fault (the previous test left it): PostgreSQL and the API killed; Redis kept its keys.
        Get-DockerState $Stack.Postgres | Should -Be 'exited'
        $began = [datetimeoffset]::UtcNow
        $output = Invoke-Sample portfolio-advisor.ps1 "-Procedure Respond -Inventory '$($Stack.Inventory)' -IncidentStore '$Store' -ReportPath '$TestDrive/reports' -RecoveryTimeoutSec 120" `
            -Environment @{ OPSRUNBOOK_INCIDENT_WEBHOOK = "$($Bed.HTTP_URL)/webhook/$Channel" }
        $ended = [datetimeoffset]::UtcNow
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'drill-portfolio-advisor.txt'
        $output[-1] | Should -Be 'exit-code:0' -Because $text

        # What the operator reads.
        $text | Should -Match 'Step 2: 2 of 3 services are not healthy: .*Severity P1\.'
        $text | Should -Match 'Step 3: opened INC-'
        $text | Should -Match "Step 4: $([regex]::Escape($Stack.Api)) logged 1 errors in the last hour, 1 circuit-breaker events; first failed request trace-abc123: 'Analysis failed', 2 lines in its trace"
        $text | Should -Match 'Step 5: starting postgres, api and what they need, in order'
        $text | Should -Match 'Step 6: all 3 services are healthy again'
        $text | Should -Match 'Step 7: INC-\S+ resolved after .*post-mortem in '

        # The stack, by the docker daemon's own HEALTHCHECKs, and the data by psql and redis-cli.
        Test-DrillStackHealthy $Stack | Should -BeTrue
        $after = Get-DrillData $Stack
        $after.Postgres | Should -Be $Before.Postgres
        $after.Postgres | Should -Match '^1000 rows'
        $after.RedisKeys | Should -Be $Before.RedisKeys

        # The incident: a P1, resolved, its messages sent in order.
        $incident = @(Get-Incident -Store $Store)
        $incident.Count | Should -Be 1
        $incident = $incident[0]
        $incident.Severity | Should -Be 'P1'
        $incident.Status | Should -Be 'Resolved'
        $incident.Services | Sort-Object | Should -Be @('api', 'postgres')
        $posts = @((Invoke-RestMethod "$($Bed.HTTP_URL)/webhook/$Channel") | Where-Object status -eq 200)
        $posts.text | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('[INCIDENT]', '[UPDATE]', '[RESOLVED]')

        # Every command the sample ran after opening is on the timeline, in order, within the drill's time.
        $actions = @($incident.Actions)
        $actions.Command | Should -Be @('Get-ServiceLog', 'Get-ServiceLog', 'Get-ServiceLog', 'Get-ServiceContainer', 'Start-ServiceStack', 'Wait-ServiceHealth')
        ($incident.Timeline | Where-Object Kind -eq Note).Text | Should -Match 'first failed request trace-abc123'
        ($actions | Where-Object Command -eq 'Start-ServiceStack').Summary | Should -Match 'StackStep'
        $actions | Where-Object Error | Should -BeNullOrEmpty
        $actions[-1].StartedAt | Should -BeLessOrEqual $incident.MitigatedAt
        # The post-mortem lists them all with their times.
        $report = Assert-DrillActions $actions -ReportPath "$TestDrive/reports" -Began $began -Ended $ended
        $report | Save-TestArtifact -Name 'drill-portfolio-advisor-postmortem.md'
        foreach ($text in $text, $report) { $text.Contains($Bed.PASSWORD) | Should -BeFalse }
    }

    It 'shuts the stack down API first, starts it again in order, and backs it up before maintenance' {
        $inventory = "-Inventory '$($Stack.Inventory)'"
        $down = Invoke-Sample portfolio-advisor.ps1 "-Procedure Shutdown $inventory -DrainSec 1"
        $down[-1] | Should -Be 'exit-code:0'
        ($down -join "`n") | Should -Match 'Shutdown: the API first, 1 s to drain, then the rest'
        foreach ($container in $Stack.Postgres, $Stack.Redis, $Stack.Api) { Get-DockerState $container | Should -Be 'exited' }
        # The API stopped before the tiers it needs (docker's own record).
        [datetimeoffset](Get-DockerState $Stack.Api '{{.State.FinishedAt}}') | Should -BeLessThan ([datetimeoffset](Get-DockerState $Stack.Postgres '{{.State.FinishedAt}}'))

        $up = Invoke-Sample portfolio-advisor.ps1 "-Procedure Startup $inventory -StartupTimeoutSec 120"
        $up[-1] | Should -Be 'exit-code:0'
        ($up -join "`n") | Should -Match 'All 3 services are healthy\.'
        Test-DrillStackHealthy $Stack | Should -BeTrue
        [datetimeoffset](Get-DockerState $Stack.Api '{{.State.StartedAt}}') | Should -BeGreaterThan ([datetimeoffset](Get-DockerState $Stack.Postgres '{{.State.StartedAt}}'))
        (Get-DrillData $Stack).Postgres | Should -Be $Before.Postgres

        $backups = Join-Path $TestDrive 'backups'
        # The drill's Redis keeps nothing across the restart: what the snapshot must hold is written now.
        $null = 1..50 | ForEach-Object { "SET session:$_ user-$_" } | & redis-cli -p $Stack.RedisPort
        $keys = [int](& redis-cli -p $Stack.RedisPort DBSIZE)
        $maintenance = Invoke-Sample portfolio-advisor.ps1 "-Procedure Maintenance $inventory -BackupPath '$backups'"
        $maintenance[-1] | Should -Be 'exit-code:0' -Because ($maintenance -join "`n")
        ($maintenance -join "`n") | Should -Match 'Backup \S+: Valid, sha256 [0-9a-f]{64}'
        ($maintenance -join "`n") | Should -Match 'positions'
        $backup = @(Get-DatabaseBackup -Path $backups -Verify)
        $backup.Count | Should -Be 1
        $backup[0].Verification | Should -Be 'Valid'
        # sha256sum, the independent witness, agrees with the sidecar.
        ($maintenance -join "`n") | Should -Match 'Redis snapshot \S+\.rdb: sha256 [0-9a-f]{64}'
        $snapshot = @(Get-ChildItem $backups -Filter '*.rdb')
        $snapshot.Count | Should -Be 1
        Push-Location $backups
        try {
            (& sha256sum -c "$($backup[0].Name).sha256") | Should -Match ': OK$'
            (& sha256sum -c "$($snapshot[0].Name).sha256") | Should -Match ': OK$'
        }
        finally { Pop-Location }
        # The snapshot holds the stack's keys: redis-check-rdb, the stock witness, reads it whole.
        $check = (& redis-check-rdb $snapshot[0].FullName 2>&1) -join "`n"
        $check | Should -Match 'RDB looks OK'
        $check | Should -Match "\[info\] $keys keys read"
    }
}

Describe 'Drill: samples/realty-backend.ps1 (seed 002) on a real stack: Redis stopped, errors over 5%, data lost' {
    BeforeAll {
        Import-BuiltModule
        $script:Bed = Get-TestBed
        # The backend's /health asks Redis each time and falls back to memory (200, "degraded") while it is down.
        $script:Stack = New-DrillStack -Project ('orbrb' + [guid]::NewGuid().ToString('N').Substring(0, 6)) -Root $TestDrive -DynamicApi -PersistentRedis
        $script:Metrics = "http://127.0.0.1:$($Stack.HttpPort)/cgi-bin/metrics"
        $script:Store = Join-Path $TestDrive 'incidents'
        # A warm cache: 400 hits and 100 misses (a hit rate of 80%).
        $null = @(1..400 | ForEach-Object { "GET cache:market:$_" }) + @(1..100 | ForEach-Object { "GET cache:cold:$_" }) | & redis-cli -p $Stack.RedisPort
        $script:Before = Get-DrillData $Stack
        $script:Common = "-Inventory '$($Stack.Inventory)' -MetricsUri '$Metrics'"
    }

    AfterAll {
        if ($Stack) { Remove-TestProject $Stack.Project }
    }

    It 'finds everything within seed 002''s thresholds on a healthy stack' {
        $output = Invoke-Sample realty-backend.ps1 "-Procedure Diagnose $Common"
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match 'cache_hit_rate\s+Json\s+0\.8\b'
        $text | Should -Match 'Every figure is within its threshold\.'
    }

    It 'with Redis stopped: reports the memory fallback, points at Redis, and the incident brings Redis back with its keys' {
        $null = Invoke-Docker stop $Stack.Redis
        $health = Invoke-Sample realty-backend.ps1 "-Procedure Health $Common"
        $health[-1] | Should -Be 'exit-code:1'
        ($health -join "`n") | Should -Match 'api\s+Http\s+Degraded'
        ($health -join "`n") | Should -Match 'api answers on its memory fallback \(degraded mode\): its redis check is Unhealthy: Connection refused'

        $diagnosis = Invoke-Sample realty-backend.ps1 "-Procedure Diagnose $Common"
        $diagnosis[-1] | Should -Be 'exit-code:1'
        ($diagnosis -join "`n") | Should -Match 'Step 4: Redis is Unhealthy: connection refused'
        ($diagnosis -join "`n") | Should -Match 'Solution: Redis errors: run -Procedure RedisFailure'

        $began = [datetimeoffset]::UtcNow
        $output = Invoke-Sample realty-backend.ps1 "-Procedure RedisFailure $Common -IncidentStore '$Store' -ReportPath '$TestDrive/reports'"
        $ended = [datetimeoffset]::UtcNow
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'drill-realty-backend.txt'
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match 'Step 2: opened INC-\S+ \(P2\)'
        # Evidence from a Redis that refuses connections is given up at once, not after a timeout.
        $text | Should -Match 'no evidence from Redis INFO of redis://127\.0\.0\.1:\d+: connection refused'
        $text | Should -Match "Step 3: $([regex]::Escape($Stack.Redis)) is Exited"
        $text | Should -Match "Step 4: started $([regex]::Escape($Stack.Redis))"
        $text | Should -Match 'Step 5: Redis and api are healthy'

        Test-DrillStackHealthy $Stack | Should -BeTrue
        $after = Get-DrillData $Stack
        $after.Postgres | Should -Be $Before.Postgres
        $after.RedisKeys | Should -Be $Before.RedisKeys -Because 'Redis saved its keys when it was stopped, and read them back'
        (Get-ServiceHealth -Inventory $Stack.Inventory -Name api).Status | Should -Be 'Healthy'

        $incident = @(Get-Incident -Store $Store)[0]
        $incident.Status | Should -Be 'Resolved'
        $incident.Severity | Should -Be 'P2'
        $actions = @($incident.Actions)
        $actions.Command | Should -Be @('Get-ServiceContainer', 'Get-ServiceLog', 'Start-ServiceContainer', 'Wait-ServiceHealth')
        $null = Assert-DrillActions $actions -ReportPath "$TestDrive/reports" -Began $began -Ended $ended
    }

    It 'with errors over 5%: the HighErrorRate threshold fires and the diagnosis names the API keys and limits' {
        '0.12' | Set-Content (Join-Path $Stack.Www 'state/error_rate')
        try {
            $output = Invoke-Sample realty-backend.ps1 "-Procedure Diagnose $Common"
            $text = $output -join "`n"
            $output[-1] | Should -Be 'exit-code:1'
            $text | Should -Match 'HighErrorRate\s+critical\s+Firing'
            $text | Should -Match 'Solution: API or LLM errors: verify the API keys'
        }
        finally { '0.01' | Set-Content (Join-Path $Stack.Www 'state/error_rate') }
    }

    It 'clears a corrupted cache by pattern (realty_us:*), counting first, and leaves every other key' {
        $null = 1..300 | ForEach-Object { "SET realty_us:listing:$_ stale" } | & redis-cli -p $Stack.RedisPort
        $others = [int](& redis-cli -p $Stack.RedisPort DBSIZE) - 300
        $output = Invoke-Sample realty-backend.ps1 "-Procedure ClearCache $Common"
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match 'Step 1: 300 keys match realty_us:\*'
        $text | Should -Match 'Step 2: deleted 300 keys'
        @(& redis-cli -p $Stack.RedisPort --scan --pattern 'realty_us:*').Count | Should -Be 0
        [int](& redis-cli -p $Stack.RedisPort DBSIZE) | Should -Be $others

        # cache_clear_pattern("*") takes every key: refused without -Force, nothing deleted.
        $all = Invoke-Sample realty-backend.ps1 "-Procedure ClearCache $Common -Pattern '*'"
        $all[-1] | Should -Be 'exit-code:1'
        ($all -join "`n") | Should -Match 'needs -Force'
        [int](& redis-cli -p $Stack.RedisPort DBSIZE) | Should -Be $others
    }

    It 'when the service is down: restarts the backend and says it is healthy again' {
        $before = [datetimeoffset](Get-DockerState $Stack.Api '{{.State.StartedAt}}')
        $output = Invoke-Sample realty-backend.ps1 "-Procedure Restart $Common"
        $output[-1] | Should -Be 'exit-code:0' -Because ($output -join "`n")
        ($output -join "`n") | Should -Match 'Step 3: api is Healthy'
        [datetimeoffset](Get-DockerState $Stack.Api '{{.State.StartedAt}}') | Should -BeGreaterThan $before
    }

    It 'after data loss: the backend stopped, the backup restored with its checksum checked first, the rows back, the backend healthy' {
        $backups = Join-Path $TestDrive 'backups'
        $backup = Invoke-Sample realty-backend.ps1 "-Procedure Backup $Common -BackupPath '$backups'"
        $backup[-1] | Should -Be 'exit-code:0' -Because ($backup -join "`n")
        & "$($Bed.PG_BIN)/psql" -X -q -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c 'DELETE FROM positions WHERE id > 500' | Out-Null
        (Get-DrillData $Stack).Postgres | Should -Match '^500 rows'

        $whatIf = Invoke-Sample realty-backend.ps1 "-Procedure Restore $Common -BackupPath '$backups' -WhatIf"
        $whatIf[-1] | Should -Be 'exit-code:0'
        (Get-DrillData $Stack).Postgres | Should -Match '^500 rows'
        Get-DockerState $Stack.Api | Should -Be 'running'

        $output = Invoke-Sample realty-backend.ps1 "-Procedure Restore $Common -BackupPath '$backups'"
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'drill-realty-backend-restore.txt'
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match "Step 1: stopping $([regex]::Escape($Stack.Api))"
        $text | Should -Match 'Step 4: every service is healthy again'
        (Get-DrillData $Stack).Postgres | Should -Be $Before.Postgres
        Test-DrillStackHealthy $Stack | Should -BeTrue
    }
}

Describe 'Drill: samples/agent-node.ps1 (seed 004): a burst of 5xx answers, a log full of errors and a leaked key' {
    BeforeAll {
        Import-BuiltModule
        $script:Bed = Get-TestBed
        $script:Http = $Bed.HTTP_URL
        $script:Scenario = 'agent-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Store = Join-Path $TestDrive 'incidents'
        # The service's log: two failing traces, a slow request, and the API key leaked once, unredacted.
        $script:Log = Join-Path $TestDrive 'app.log'
        $lines = [System.Collections.Generic.List[string]]::new()
        $lines.Add('{"time":"2026-11-27T10:00:00.000Z","level":"INFO","event":"startup","msg":"agent-node listening on :3000"}')
        foreach ($i in 1..30) { $lines.Add("{`"time`":`"2026-11-27T10:01:$('{0:00}' -f ($i % 60)).000Z`",`"level`":`"ERROR`",`"event`":`"request_failed`",`"msg`":`"provider timed out`",`"traceId`":`"trace-provider`",`"error`":{`"name`":`"ProviderTimeout`"}}") }
        foreach ($i in 1..5) { $lines.Add("{`"time`":`"2026-11-27T10:02:0$i.000Z`",`"level`":`"ERROR`",`"event`":`"request_failed`",`"msg`":`"bad input`",`"traceId`":`"trace-input`",`"error`":{`"name`":`"ValidationError`"}}") }
        $lines.Add('{"time":"2026-11-27T10:03:00.000Z","level":"INFO","event":"request_completed","msg":"analyze done","traceId":"trace-slow","duration":4210,"status":200}')
        $lines.Add("{`"time`":`"2026-11-27T10:04:00.000Z`",`"level`":`"WARN`",`"event`":`"config_loaded`",`"msg`":`"provider configured`",`"api_key`":`"$($Bed.PASSWORD)`"}")
        $lines | Set-Content $Log
        Register-TestSecretFixture $Log
        # Seed 004's HighErrorRate, on the test service's traffic of this scenario.
        $script:Rules = Join-Path $TestDrive 'rules.yaml'
        @"
- alert: HighErrorRate
  expr: sum(rate(http_requests_total{route="/work/$Scenario",status=~"5.."}[10s])) / sum(rate(http_requests_total{route="/work/$Scenario"}[10s])) > 0.05
  labels: { severity: critical }
  annotations: { summary: "HTTP error rate above 5%" }
"@ | Set-Content $Rules
        $script:Inventory = Join-Path $TestDrive 'agent-node.psd1'
        @"
@{
    Name     = 'agent-node'
    Services = @(
        @{ Name = 'database'; Kind = 'Postgres'; Target = '$($Bed.PostgresUri)'; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD' }
        @{ Name = 'agent-node'; Kind = 'Http'; Target = '$Http/health'; DependsOn = 'database' }
    )
}
"@ | Set-Content $Inventory
        $query = "@{ HighErrorRate = 'sum by (status) (rate(http_requests_total{route=`"/work/$Scenario`"}[10s]))' }"
        $script:Common = "-Inventory '$Inventory' -RulesPath '$Rules' -PrometheusUri '$($Bed.PROMETHEUS_URL)' -LogPath '$Log' -SecretVariable AGENT_API_KEY -InvestigationQuery $query"
        $script:Secrets = @{ AGENT_API_KEY = $Bed.PASSWORD }
    }

    It 'answers the seed''s log queries, the slow request and the trace with the most errors' {
        $output = Invoke-Sample agent-node.ps1 "-Procedure Logs $Common" -Environment $Secrets
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match '30\s+error\.name\s+ProviderTimeout'
        $text | Should -Match '5\s+error\.name\s+ValidationError'
        $text | Should -Match 'Trace ids of the errors: 2'
        $text | Should -Match 'Every line of trace trace-provider'
        $text | Should -Match 'analyze done'
        $text.Contains($Bed.PASSWORD) | Should -BeFalse
    }

    It 'finds the leaked key, says where, and never shows it' {
        $output = Invoke-Sample agent-node.ps1 "-Procedure Redaction $Common" -Environment $Secrets
        $text = $output -join "`n"
        $output[-1] | Should -Be 'exit-code:1'
        $text | Should -Match '1 unredacted secrets'
        $text | Should -Match 'api_key'
        $text.Contains($Bed.PASSWORD) | Should -BeFalse
    }

    It 'responds in the four phases: the alert fires, the incident records the investigation, the alert clears, the review is written' {
        # The fault: 20% of 300 requests answer 500, over 3 s; Prometheus scrapes every second.
        $null = Invoke-RestMethod -Method Post "$Http/traffic/$Scenario`?requests=300&errorsPer100=20&perSecond=100&concurrency=8&background=true" -TimeoutSec 30
        $deadline = [datetime]::UtcNow.AddSeconds(30)
        do { Start-Sleep -Milliseconds 500; $state = (Test-AlertRule -Path $Rules -PrometheusUri $Bed.PROMETHEUS_URL).State } until ($state -eq 'Firing' -or [datetime]::UtcNow -gt $deadline)
        $state | Should -Be 'Firing'

        $alerts = Invoke-Sample agent-node.ps1 "-Procedure Alerts $Common" -Environment $Secrets
        $alerts[-1] | Should -Be 'exit-code:1'
        ($alerts -join "`n") | Should -Match 'Investigation: HighErrorRate: \d+ series; highest \{status="(200|500)"\} \d'

        $began = [datetimeoffset]::UtcNow
        $output = Invoke-Sample agent-node.ps1 "-Procedure Respond $Common -IncidentStore '$Store' -ReportPath '$TestDrive/reports' -PollSec 2 -RecoveryTimeoutSec 90" -Environment $Secrets
        $ended = [datetimeoffset]::UtcNow
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'drill-agent-node.txt'
        $output[-1] | Should -Be 'exit-code:0' -Because $text
        $text | Should -Match 'Phase 1: INC-\S+ opened \(P1\): HighErrorRate Firing'
        $text | Should -Match 'Phase 2: errors in the log: ProviderTimeout x30, ValidationError x5; 2 traces, the most in trace-provider \(30\)'
        $text | Should -Match 'Phase 2: redaction check: 1 unredacted secrets \(AGENT_API_KEY\): rotate them'
        $text | Should -Match 'Phase 3: no alert fires and every service is healthy'
        $text | Should -Match 'Phase 4: INC-\S+ resolved'
        $text.Contains($Bed.PASSWORD) | Should -BeFalse

        # What an operator checks: the alert no longer fires, the service is healthy, the incident is closed.
        (Test-AlertRule -Path $Rules -PrometheusUri $Bed.PROMETHEUS_URL).State | Should -Be 'Inactive'
        (Get-ServiceHealth -Inventory $Inventory).Status | Sort-Object -Unique | Should -Be 'Healthy'
        $incident = @(Get-Incident -Store $Store)[0]
        $incident.Status | Should -Be 'Resolved'
        $incident.Severity | Should -Be 'P1'
        ($incident.Timeline | Where-Object { $_.Kind -eq 'StatusChanged' -and $_.Status -eq 'Identified' }) | Should -Not -BeNullOrEmpty
        $incident.AcknowledgedAt | Should -BeLessOrEqual $incident.MitigatedAt
        ($incident.Timeline | Where-Object Kind -eq Note).Text | Should -Contain 'Phase 2: redaction check: 1 unredacted secrets (AGENT_API_KEY): rotate them'
        $incident.ActionItems | Should -Contain 'Rotate the leaked secrets and fix their redaction'

        # Every command of phases 2 and 3, in order, within the run, in the post-mortem.
        $actions = @($incident.Actions)
        $actions.Command[0..4] | Should -Be @('Invoke-PrometheusQuery', 'Search-ServiceLog', 'Search-ServiceLog', 'Get-ServiceHealth', 'Test-LogRedaction')
        ($actions | Where-Object Command -eq Test-LogRedaction).Summary | Should -Match '^1 '
        $actions.Command | Should -Contain 'Test-AlertRule'
        $report = Assert-DrillActions $actions -ReportPath "$TestDrive/reports" -Began $began -Ended $ended
        $report.Contains($Bed.PASSWORD) | Should -BeFalse
    }
}
