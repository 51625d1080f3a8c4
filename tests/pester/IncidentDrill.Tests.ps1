# The issue's "Show it": seed 000's "Debug a Failed Request" drill, end to end, in the test host. The HTTP service
# goes unready; the one-liner opens a P1 with evidence and the [INCIDENT] message; the five steps of the drill are
# notes and status changes; the incident is closed; the post-mortem holds every step with durations that agree
# with the clock of this test.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Switch = 'drill-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:Project = 'orbdrill' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Channel = 'drill-' + [guid]::NewGuid().ToString('N').Substring(0, 8)

    # The Portfolio Advisor of seed 000: its api's log holds the failed request, and a secret it should not.
    $apiLog = @"
trap 'exit 0' TERM
echo '{"level":"INFO","msg":"api listening on :8000"}'
echo '{"level":"ERROR","msg":"Analysis failed","error":{"name":"UpstreamTimeout","message":"market-data did not answer in 30 s"},"trace_id":"trace-abc123"}'
echo '{"level":"INFO","msg":"span market_data_node","trace_id":"trace-abc123","status":"error","latency_ms":30012}'
echo 'level=error msg="retrying with DATABASE_URL=postgres://app:$($Bed.PASSWORD)@postgres:5432/portfolio_advisor" trace_id=trace-abc123'
while true; do sleep 0.1; done
"@
    $script:ApiContainer = New-TestContainer -Project $Project -Service api -Script $apiLog
    $script:Inventory = Join-Path $TestDrive 'portfolio-advisor.psd1'
    @"
@{
    Name     = 'portfolio-advisor'
    Services = @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = '$($Bed.PostgresUri)'; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD'; Tags = 'infrastructure' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = '$($Bed.RedisUri)'; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD'; Tags = 'infrastructure' }
        @{ Name = 'api'; Kind = 'Http'; Target = '$Http/health/ready?switch=$Switch'; DependsOn = 'postgres', 'redis'; Container = '$ApiContainer' }
    )
}
"@ | Set-Content $Inventory
    $script:Store = Join-Path $TestDrive 'incidents'
}

AfterAll {
    $null = Invoke-RestMethod -Method Post "$Http/switch/$Switch/up"
    Remove-TestProject $Project
}

Describe 'Incident drill: seed 000 "Debug a Failed Request", end to end' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    It 'opens with evidence and a message, records each step, closes, and reports every step with correct durations' {
        $saved = $PSDefaultParameterValues.Clone()
        # Configured once, as an on-call engineer's profile would.
        $PSDefaultParameterValues['*:Inventory'] = $Inventory
        $PSDefaultParameterValues['*-Incident*:Store'] = $Store
        try {
            Use-Environment @{ OPSRUNBOOK_INCIDENT_WEBHOOK = "$Http/webhook/$Channel"; DOCKER_HOST = $Bed.DOCKER_HOST } {
                # The api goes unready.
                $impactStart = [datetimeoffset]::Now
                $null = Invoke-RestMethod -Method Post "$Http/switch/$Switch/down"
                Start-Sleep -Milliseconds 1200

                # Detect and open: the issue's one-liner.
                $beforeDetect = [datetimeoffset]::Now
                $incident = Get-ServiceHealth | Where-Object Status -ne Healthy | Start-IncidentResponse -Severity P1 -CollectEvidence -Notify -ImpactStartedAt $impactStart.LocalDateTime
                $afterOpen = [datetimeoffset]::Now
                $incident.Services | Should -Be @('api')
                $incident.DetectedAt | Should -BeGreaterOrEqual $beforeDetect
                $incident.DetectedAt | Should -BeLessOrEqual $incident.StartedAt
                $incident.StartedAt | Should -BeLessOrEqual $afterOpen
                $incident.Evidence.Name | Should -Contain "03-logs-$ApiContainer.log"
                Start-Sleep -Seconds 1

                # Step 1: the trace id, from the error response or the logs.
                $failed = Get-ServiceLog -Project $Project -Service api -Level error | Where-Object TraceId | Select-Object -First 1
                $failed.TraceId | Should -Be 'trace-abc123'
                $beforeAck = [datetimeoffset]::Now
                $incident | Add-IncidentNote -Text "Step 1: the failed request is $($failed.TraceId) ($($failed.Message))"
                $afterAck = [datetimeoffset]::Now

                # Steps 2 and 3: every line of the trace, and the span that failed.
                $trace = @(Get-ServiceLog -Project $Project -Service api -TraceId $failed.TraceId)
                $span = $trace | Where-Object { $_.Data -and $_.Data['status'] -eq 'error' } | Select-Object -First 1
                $incident | Add-IncidentNote -Text "Step 2: trace $($failed.TraceId) has $($trace.Count) lines"
                $incident | Add-IncidentNote -Text "Step 3: the failed span is $($span.Message) after $($span.Data['latency_ms']) ms"
                Start-Sleep -Seconds 1

                # Step 4: analyse: transient, upstream.
                $identified = $incident | Set-IncidentStatus -Status Identified -Note "Step 4: $($failed.Data['error']['name']) from market-data, transient" -RootCause 'market-data upstream timed out' -Notify
                $identified.Status | Should -Be 'Identified'
                Start-Sleep -Seconds 1

                # Step 5: replay once the upstream is back; readiness returns.
                $null = Invoke-RestMethod -Method Post "$Http/switch/$Switch/up"
                $null = Wait-ServiceHealth -TimeoutSec 30
                $beforeMitigate = [datetimeoffset]::Now
                $null = $incident | Set-IncidentStatus -Status Monitoring -Note 'Step 5: replayed the request; readiness is back' -Notify
                $afterMitigate = [datetimeoffset]::Now
                Start-Sleep -Seconds 1

                $beforeClose = [datetimeoffset]::Now
                $closed = $incident | Close-Incident -Resolution 'Replayed the request after market-data recovered' -RootCause 'market-data upstream timed out under load' -ActionItem 'Circuit breaker on market-data', 'Alert on p95 of market_data_node' -Notify
                $afterClose = [datetimeoffset]::Now

                # The times are those of the steps, and the durations their differences.
                $closed.Status | Should -Be 'Resolved'
                $closed.AcknowledgedAt | Should -BeGreaterOrEqual $beforeAck
                $closed.AcknowledgedAt | Should -BeLessOrEqual $afterAck
                $closed.MitigatedAt | Should -BeGreaterOrEqual $beforeMitigate
                $closed.MitigatedAt | Should -BeLessOrEqual $afterMitigate
                $closed.ResolvedAt | Should -BeGreaterOrEqual $beforeClose
                $closed.ResolvedAt | Should -BeLessOrEqual $afterClose
                $closed.TimeToDetect | Should -Be ($closed.DetectedAt - $impactStart)
                $closed.TimeToDetect.TotalSeconds | Should -BeGreaterOrEqual 1
                $closed.TimeToAcknowledge | Should -Be ($closed.AcknowledgedAt - $closed.DetectedAt)
                $closed.TimeToMitigate | Should -Be ($closed.MitigatedAt - $closed.DetectedAt)
                $closed.TimeToResolve | Should -Be ($closed.ResolvedAt - $closed.DetectedAt)
                $closed.Duration | Should -Be ($closed.ResolvedAt - $closed.StartedAt)
                $closed.TimeToAcknowledge | Should -BeLessThan $closed.TimeToMitigate
                $closed.TimeToMitigate | Should -BeLessThan $closed.TimeToResolve
                $closed.TimeToResolve.TotalSeconds | Should -BeGreaterOrEqual 4

                # The messages, in the order of the drill.
                $posts = @((Invoke-RestMethod "$Http/webhook/$Channel") | Where-Object status -eq 200)
                $posts.text | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('[INCIDENT]', '[UPDATE]', '[UPDATE]', '[RESOLVED]')
                $posts[1].text | Should -Match 'Root Cause: market-data upstream timed out'
                $posts[3].text | Should -Match 'Follow-up: Post-mortem due by'

                # The post-mortem holds every step, with timestamps and the durations.
                $file = $closed | Export-IncidentReport -Path $TestDrive
                $report = Get-Content $file.FullName -Raw
                $report | Save-TestArtifact -Name 'incident-drill-postmortem.md'
                foreach ($step in 'Step 1: the failed request is trace-abc123', 'Step 2: trace trace-abc123 has', 'Step 3: the failed span is span market_data_node',
                    'Step 4: UpstreamTimeout from market-data', 'Step 5: replayed the request') {
                    $report | Should -Match ([regex]::Escape($step))
                }
                foreach ($event in $closed.Timeline) {
                    $report | Should -Match ([regex]::Escape($event.Time.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff'))) -Because "$($event.Kind) is on the report's timeline"
                }
                foreach ($measure in @(
                        @{ Name = 'Time to detect'; Value = $closed.TimeToDetect }
                        @{ Name = 'Time to acknowledge'; Value = $closed.TimeToAcknowledge }
                        @{ Name = 'Time to mitigate'; Value = $closed.TimeToMitigate }
                        @{ Name = 'Time to resolve'; Value = $closed.TimeToResolve })) {
                    $report | Should -Match ("\| $($measure.Name) \|[^\n]*\| " + [regex]::Escape([OpsRunbook.DurationText]::Format($measure.Value)) + ' ')
                }
                $report | Should -Match ([regex]::Escape("| Duration | $([OpsRunbook.DurationText]::Format($closed.Duration))"))
                $report | Should -Match '- \[ \] Circuit breaker on market-data'
                $report | Should -Match "03-logs-$ApiContainer\.log"
                $report.Contains($Bed.PASSWORD) | Should -BeFalse

                # The evidence kept the failed request and none of the secret.
                $log = Get-Content (Join-Path $closed.EvidencePath "03-logs-$ApiContainer.log") -Raw
                $log | Should -Match 'trace-abc123'
                $log | Should -Match 'postgres://app:\[REDACTED\]@postgres'
                foreach ($item in Get-ChildItem $closed.EvidencePath -File) {
                    (Get-Content $item.FullName -Raw).Contains($Bed.PASSWORD) | Should -BeFalse -Because "$($item.Name) must not hold the password"
                }
                Test-LogRedaction -Path (Get-ChildItem $closed.EvidencePath -File).FullName -EnvironmentVariable OPSRUNBOOK_TEST_PASSWORD | Should -BeNullOrEmpty
            }
        }
        finally {
            $PSDefaultParameterValues.Clear()
            foreach ($key in $saved.Keys) { $PSDefaultParameterValues[$key] = $saved[$key] }
        }
    }
}
