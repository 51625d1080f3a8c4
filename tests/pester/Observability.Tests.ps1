BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Prometheus = $Bed.PROMETHEUS_URL
    $script:Http = $Bed.HTTP_URL
    $script:AppLog = $Bed.APP_LOG
    $script:Counts = Get-Content "$($Bed.APP_LOG).counts.json" -Raw | ConvertFrom-Json
    $script:Examples = Join-Path $TestDrive 'examples'
    $null = New-Item -ItemType Directory $Examples
    Initialize-ExampleObservability -Path $Examples
    function Send-Traffic([string]$Scenario, [string]$Query) {
        Invoke-RestMethod -Method Post "$Http/traffic/$Scenario`?$Query" -TimeoutSec 120
    }
}

Describe 'Invoke-PrometheusQuery' {
    It 'writes one series per result with labels in a hashtable, and honours PROMETHEUS_URL' {
        $up = Use-Environment @{ PROMETHEUS_URL = $Prometheus } { Invoke-PrometheusQuery 'up{job="testservice"}' }
        $up | Should -BeOfType ([OpsRunbook.PrometheusSeries])
        $up.Name | Should -Be 'up'
        $up.Metric.job | Should -Be 'testservice'
        $up.Value | Should -Be 1
    }

    It 'runs a range query, and piped queries each give their series' {
        # Prometheus may have run only seconds when this runs: two points are enough.
        $series = Invoke-PrometheusQuery 'up{job="testservice"}' -PrometheusUri $Prometheus -Start '1m' -Step 00:00:01
        $series.Values.Count | Should -BeGreaterOrEqual 2
        $series.Values.Value | Sort-Object -Unique | Should -Be 1
        ('vector(1)', 'vector(2)' | Invoke-PrometheusQuery -PrometheusUri $Prometheus).Value | Should -Be @(1, 2)
    }

    It 'shows name, labels, value and time in its default table' {
        $text = Invoke-PrometheusQuery 'up{job="testservice"}' -PrometheusUri $Prometheus | Format-Table | Out-String -Width 250
        $text | Should -Match 'Name\s+Labels\s+Value\s+Timestamp'
        $text | Should -Match 'up\s+instance="127\.0\.0\.1:\d+",job="testservice"\s+1\s+\d{4}-'
    }

    It 'reports bad PromQL with Prometheus''s message, and goes on with the next query' {
        $results = 'rate(x[5m]', 'vector(3)' | Invoke-PrometheusQuery -PrometheusUri $Prometheus -ErrorVariable problems -ErrorAction SilentlyContinue
        $results.Value | Should -Be 3
        $problems[0].FullyQualifiedErrorId | Should -Be 'InvalidPromQL,OpsRunbook.Observability.InvokePrometheusQueryCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $problems[0].Exception.Message | Should -Match 'parse error'
    }

    It 'stops with PrometheusUnreachable when nothing answers' {
        { Invoke-PrometheusQuery up -PrometheusUri "http://127.0.0.1:$(Get-ClosedPort)" -TimeoutSec 3 } |
            Should -Throw -ErrorId 'PrometheusUnreachable,OpsRunbook.Observability.InvokePrometheusQueryCommand'
    }
}

Describe 'Get-ServiceMetric' {
    It 'reads counters and histograms that agree with the traffic sent, and rates with -Interval' {
        $scenario = "pester-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $null = Send-Traffic $scenario 'requests=400&errorsPer100=10&slowPer100=10&slowMs=300&perSecond=100&concurrency=16&background=true'
        Start-Sleep -Milliseconds 800
        $metrics = Get-ServiceMetric -Uri "$Http/metrics" -Name http_requests_total, http_request_duration_seconds -Interval 00:00:02 |
            Where-Object { $_.Labels.route -eq "/work/$scenario" }
        $errors = ($metrics | Where-Object { $_.Name -eq 'http_requests_total' -and $_.Labels.status -eq '500' }).Rate
        $all = ($metrics | Where-Object Name -eq http_requests_total | Measure-Object Rate -Sum).Sum
        $errors / $all | Should -BeGreaterOrEqual 0.09
        $errors / $all | Should -BeLessOrEqual 0.11
        ($metrics | Where-Object Name -eq http_request_duration_seconds).P95 | Should -BeGreaterThan 0.25
        ($metrics | Where-Object Name -eq http_request_duration_seconds).P95 | Should -BeLessOrEqual 0.5
    }

    It 'shows name, type, labels, value, rate and percentiles in its default table' {
        $text = Get-ServiceMetric "$Http/metrics" http_request_duration_seconds | Format-Table | Out-String -Width 250
        $text | Should -Match 'Name\s+Type\s+Labels\s+Value\s+Rate/s\s+P50\s+P95\s+P99'
        $text | Should -Match 'http_request_duration_seconds\s+Histogram\s+route='
    }

    It 'reads seed 002''s JSON metrics' {
        $scenario = "pester-json-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $null = Send-Traffic $scenario 'requests=50&errorsPer100=4&cacheHitsPer100=80'
        $json = Get-ServiceMetric "$Http/api/metrics?scenario=$scenario"
        ($json | Where-Object Name -eq error_rate).Value | Should -Be 0.04
        ($json | Where-Object Name -eq cache_hit_rate).Value | Should -Be 0.8
        $json.Type | Sort-Object -Unique | Should -Be 'Json'
    }

    It 'reads several endpoints one at a time with -ThrottleLimit 1, in the order given, one failing alone' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $metrics = @(Get-ServiceMetric "$Http/metrics", 'http://127.0.0.1:1/metrics', "$Http/api/metrics" -Name http_requests_total, error_rate `
            -Interval 00:00:01 -ThrottleLimit 1 -TimeoutSec 3 -ErrorVariable problems -ErrorAction SilentlyContinue)
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2 -Because 'two readable endpoints, one -Interval each, one after the other'
        $metrics[0].Name | Should -Be 'http_requests_total'
        $metrics[-1].Name | Should -Be 'error_rate'
        @($problems).Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'MetricsEndpointUnreachable,OpsRunbook.Observability.GetServiceMetricCommand'
        { Get-ServiceMetric "$Http/metrics" -ThrottleLimit 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsRunbook.Observability.GetServiceMetricCommand'
    }

    It 'reports a bad <What> with <ErrorId>' -ForEach @(
        @{ What = 'URI'; ErrorId = 'InvalidUri'; Uri = 'localhost:8000/metrics' }
        @{ What = 'port'; ErrorId = 'MetricsEndpointUnreachable'; Uri = 'http://127.0.0.1:1/metrics' }
        @{ What = 'path'; ErrorId = 'MetricsEndpointFailed'; Uri = '/status/404' }
    ) {
        $target = if ($Uri.StartsWith('/')) { "$Http$Uri" } else { $Uri }
        Get-ServiceMetric $target -TimeoutSec 3 -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be "$ErrorId,OpsRunbook.Observability.GetServiceMetricCommand"
    }
}

Describe 'Get-AlertRule and Test-AlertRule' {
    It 'reads seed 000''s rules with severity, for and where they are written' {
        $rules = Get-AlertRule (Join-Path $Examples 'prometheus-rules.yaml')
        $rules.Name | Should -Be @('HighLatency', 'HighErrorRate')
        $rules.Severity | Should -Be @('warning', 'critical')
        $rules[0].For | Should -Be ([timespan]'00:05:00')
        $rules[1].Line | Should -Be 10
        (Get-AlertRule (Join-Path $Examples '*.yaml') -Name *Cache*).Metric | Should -Be 'cache_hit_rate'
        $rules | Format-Table | Out-String -Width 250 | Should -Match 'Name\s+Severity\s+For\s+Condition\s+Summary'
    }

    It 'evaluates PromQL rules through Prometheus and threshold rules on the service''s own metrics' {
        $promql = Test-AlertRule (Join-Path $Examples 'prometheus-rules.yaml') -PrometheusUri $Prometheus
        $promql.Name | Should -Be @('HighLatency', 'HighErrorRate')
        $promql | Should -BeOfType ([OpsRunbook.AlertRuleResult])
        $promql.State | ForEach-Object { $_ | Should -BeIn @('Inactive', 'Pending', 'Firing') }
        $scenario = "pester-rule-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $null = Send-Traffic $scenario 'requests=100&errorsPer100=20&cacheHitsPer100=30'
        $results = Get-AlertRule (Join-Path $Examples 'service-rules.yaml') | Test-AlertRule -MetricsUri "$Http/api/metrics?scenario=$scenario"
        ($results | Where-Object Name -eq HighErrorRate).State | Should -Be 'Firing'
        ($results | Where-Object Name -eq HighErrorRate).Summary | Should -Be 'Error rate is 20%, alert above 5%'
        ($results | Where-Object Name -eq LowCacheHitRate).State | Should -Be 'Firing'
        $results | Format-Table | Out-String -Width 250 | Should -Match 'HighErrorRate\s+critical\s+Firing\s+0\.2'
    }

    It 'reports a malformed rule file with its line, and a missing one, and stops when Prometheus is unreachable' {
        $bad = Join-Path $TestDrive 'bad-rules.yaml'
        "- alert: A`n  expr: up`n  for: soon`n" | Set-Content $bad
        Get-AlertRule $bad, (Join-Path $TestDrive 'none.yaml') -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        # Paths are resolved first, then the files read.
        $problems.FullyQualifiedErrorId | Should -Be @('PathNotFound,OpsRunbook.Observability.GetAlertRuleCommand', 'RuleFileInvalid,OpsRunbook.Observability.GetAlertRuleCommand')
        $problems[1].Exception.Message | Should -Match 'line 3'
        { Test-AlertRule (Join-Path $Examples 'prometheus-rules.yaml') -PrometheusUri "http://127.0.0.1:$(Get-ClosedPort)" -TimeoutSec 3 } |
            Should -Throw -ErrorId 'PrometheusUnreachable,OpsRunbook.Observability.TestAlertRuleCommand'
    }
}

Describe 'Get-Alert' {
    It 'lists what Prometheus reports as firing, and pending ones on request' {
        $firing = Get-Alert -PrometheusUri $Prometheus
        $firing.Name | Should -Contain 'Watchdog'
        $firing.State | Sort-Object -Unique | Should -Be 'Firing'
        (Get-Alert -PrometheusUri $Prometheus -State Pending).Name | Should -Be 'AlwaysPending'
        (Get-Alert Always* -State Firing, Pending -PrometheusUri $Prometheus -Severity warning).Name | Should -Be 'AlwaysPending'
        Get-Alert -PrometheusUri $Prometheus | Format-Table | Out-String -Width 250 | Should -Match 'Watchdog\s+none\s+Firing\s+\d{4}-'
    }
}

Describe 'Search-ServiceLog' {
    It 'counts errors by error.name as sort | uniq -c does, over 1,000,000 lines' {
        $groups = Search-ServiceLog $AppLog -Level error -GroupBy error.name
        $groups | Should -BeOfType ([OpsRunbook.LogGroup])
        foreach ($group in $groups) { $group.Count | Should -Be $Counts.errorNames.($group.Value) }
        ($groups | Measure-Object Count -Sum).Sum | Should -Be $Counts.levels.error
        $groups | Format-Table | Out-String | Should -Match 'Count\s+Field\s+Value'
    }

    It 'finds the slow requests with a -Filter script block and the lines of one trace' {
        @(Search-ServiceLog $AppLog -Event request_completed -Filter { $_.Data.duration -gt 1000 }).Count | Should -Be $Counts.slowRequests
        $trace = Search-ServiceLog $AppLog -TraceId $Counts.sampleTraceId
        $trace.Count | Should -Be $Counts.sampleTraceLines
        $trace[0] | Should -BeOfType ([OpsRunbook.LogEntry])
        ($trace | Where-Object Level -eq error).Count | Should -Be $Counts.sampleTraceErrors
        # A filter that is not a plain comparison runs as a script block, on every line the other filters keep.
        @(Search-ServiceLog $AppLog -TraceId $Counts.sampleTraceId -Filter { $_.Message -like '*fail*' -or $_.Data.duration -eq 12040 }).Count |
            Should -Be ($Counts.sampleTraceErrors + 1)
    }

    It 'shows time, line, level, trace and message in its default table' {
        $text = Search-ServiceLog $AppLog -TraceId $Counts.sampleTraceId -Level error | Format-Table | Out-String -Width 250
        $text | Should -Match 'Timestamp\s+Line\s+Level\s+TraceId\s+Message'
        $text | Should -Match "error\s+$($Counts.sampleTraceId)\s+request failed"
    }

    It 'reads rotated gzip files oldest first, takes piped files, and reports malformed lines as a warning' {
        $lines = Search-ServiceLog (Join-Path $Examples 'app.log*') -TraceId 550e8400-e29b-41d4-a716-446655440000
        $lines[0].Path | Should -BeLike '*app.log.1.gz'
        $lines.Count | Should -Be 5
        $levels = Search-ServiceLog (Join-Path $Examples 'app.log') -GroupBy level -WarningVariable warnings
        ($levels | Where-Object Value -eq error).Count | Should -Be 3
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match '1 malformed lines .* the first at line 10, among the 10 lines parsed'
        (Get-ChildItem (Join-Path $Examples '*.log') | Search-ServiceLog -Level error).Count | Should -Be 3
        @(Search-ServiceLog (Join-Path $Examples 'app.log') -Since ([datetimeoffset]'2026-11-27T10:00:05Z')).Count | Should -Be 3
    }

    It 'stops reading at once when the pipeline has what it needs' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $first = Search-ServiceLog $AppLog | Select-Object -First 3
        $first.Count | Should -Be 3
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
    }

    It 'reports a bad <What> with <ErrorId>' -ForEach @(
        @{ What = 'path'; ErrorId = 'PathNotFound'; Make = { Join-Path $TestDrive 'none.log' } }
        @{ What = 'gzip file'; ErrorId = 'LogFileUnreadable'; Make = { $p = Join-Path $TestDrive 'bad.gz'; [IO.File]::WriteAllBytes($p, [byte[]](0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xde, 0xad, 1, 2)); $p } }
    ) {
        $path = & $Make
        Search-ServiceLog $path -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be "$ErrorId,OpsRunbook.Observability.SearchServiceLogCommand"
        $problems[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'rejects a bad -Since with InvalidSince' {
        { Search-ServiceLog $AppLog -Since 'last tuesday-ish' } | Should -Throw -ErrorId 'InvalidSince,OpsRunbook.Observability.SearchServiceLogCommand'
    }
}

Describe 'Test-LogRedaction' {
    It 'finds exactly the secrets planted in the generated log' {
        $findings = Test-LogRedaction $AppLog
        $findings.LineNumber | Should -Be @($Counts.secrets.line)
        $findings.Kind | ForEach-Object ToString | Should -Be @($Counts.secrets.kind)
        $findings | Format-Table | Out-String -Width 250 | Should -Match 'Path\s+Line\s+Column\s+Kind\s+Field'
    }

    It 'finds the value of an environment variable and never shows it, not in objects, tables, verbose text or errors' {
        $log = Join-Path $TestDrive 'leaky.log'
        @(
            '{"level":"info","msg":"start"}'
            "{`"level`":`"info`",`"msg`":`"connecting with $($Bed.PASSWORD)`"}"
            "{`"level`":`"info`",`"dsn`":`"postgres://app:$([uri]::EscapeDataString($Bed.PASSWORD))@db/app`"}"
        ) | Set-Content $log
        Register-TestSecretFixture $log
        $output = (Use-Environment @{ LEAKED_PASSWORD = $Bed.PASSWORD } {
            Test-LogRedaction $log -EnvironmentVariable LEAKED_PASSWORD, NOT_SET_ANYWHERE -Verbose -ErrorVariable problems -ErrorAction SilentlyContinue 4>&1 | Out-String -Width 250
            $problems | Out-String -Width 250
        }) -join "`n"
        $output | Should -Match 'EnvironmentValue\s+LEAKED_PASSWORD'
        $output | Should -Match "The environment variable 'NOT_SET_ANYWHERE' is not set"
        $output.Contains($Bed.PASSWORD) | Should -BeFalse
        $output.Contains([uri]::EscapeDataString($Bed.PASSWORD)) | Should -BeFalse
        $output | Save-TestArtifact -Name 'test-logredaction.txt'
        @(Use-Environment @{ LEAKED_PASSWORD = $Bed.PASSWORD } { Test-LogRedaction $log -EnvironmentVariable LEAKED_PASSWORD }).Count | Should -Be 2
    }

    It 'rejects an invalid -Pattern without quoting it' {
        $secretish = 'hunter2(('
        { Test-LogRedaction $AppLog -Pattern $secretish } | Should -Throw -ErrorId 'InvalidPattern,OpsRunbook.Observability.TestLogRedactionCommand'
        try { Test-LogRedaction $AppLog -Pattern $secretish } catch { $_.Exception.Message | Should -Not -Match 'hunter2' }
    }
}

Describe 'Get-ServiceHealth -Kind Disk' {
    It 'reports used and free space of each path''s file system' {
        $disks = Get-ServiceHealth -Kind Disk -Path /, $TestDrive
        $disks.Kind | Sort-Object -Unique | Should -Be 'Disk'
        $disks[0].Details.UsedPercent | Should -BeGreaterThan 0
        $disks[0].Details.FreeBytes | Should -BeGreaterThan 0
        (Get-ServiceHealth -Path / -DegradedPercent 0 -UnhealthyPercent 100).Status | Should -Be 'Degraded'
        (Get-ServiceHealth -Path / -DegradedPercent 0 -UnhealthyPercent 0).Status | Should -Be 'Unhealthy'
        Get-ServiceHealth -Path / | Format-Table | Out-String | Should -Match '/\s+Disk\s+Healthy|/\s+Disk\s+Degraded|/\s+Disk\s+Unhealthy'
    }

    It 'reports a path that does not exist as PathNotFound and refuses -Path with -Uri' {
        Get-ServiceHealth -Path /no/such/mount -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems[0].FullyQualifiedErrorId | Should -Be 'PathNotFound,OpsRunbook.Health.GetServiceHealthCommand'
        { Get-ServiceHealth -Path / -Uri "$Http/health" } | Should -Throw -ErrorId 'PathWithOtherTargets,OpsRunbook.Health.GetServiceHealthCommand'
    }
}

Describe 'Get-ServiceLog -Event' {
    It 'filters container logs by event with the same filter as Search-ServiceLog' {
        $env:DOCKER_HOST = $Bed.DOCKER_HOST
        try {
            Initialize-ExampleStack
            $deadline = [datetime]::UtcNow.AddSeconds(10)
            while (-not (Get-ServiceLog -Name portfolio-advisor-api-1 -Event STARTUP) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
            (Get-ServiceLog -Name portfolio-advisor-api-1 -Event STARTUP)[0].Message | Should -Be 'api listening on :8000'
        }
        finally { Remove-Item Env:DOCKER_HOST }
    }
}
