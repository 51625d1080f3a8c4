<#
.SYNOPSIS
Seed 004 (agent-node) as a runbook script: alert response by threshold, structured log queries, the redaction
check, and the incident workflow's four phases with its post-mortem.

.DESCRIPTION
One procedure of seed 004 per run, chosen with -Procedure:

  Alerts     "Alert Response Procedures" (the default): each rule of -RulesPath evaluated now through Prometheus
             (error rate, p95 latency, heap, AI provider errors), and for each firing one the seed's investigation:
             the breakdown query, the recent errors of the log, the dependencies' health. Exits 1 when one fires.
  Logs       "Log Analysis": the four structured queries (errors of -TraceId, errors counted by error.name, requests
             slower than -SlowMs, the trace ids of the errors) and "Correlation ID Tracing" of -TraceId (by default
             the trace with the most errors), over -LogPath and its rotated files.
  Redaction  "Sensitive Data Verification": no secret in -LogPath unredacted, neither a known one (the values of
             -SecretVariable) nor one that looks like a key or password. Shows where, never what. Exits 1 on a leak.
  Respond    "Incident Response Workflow": Phase 1 detection and triage (the firing alerts and the health, a
             severity from the alerts' labels: critical P1, warning P2; an incident with its start time and
             symptoms), Phase 2 investigation (metrics, logs, traces and the redaction check as notes; a hypothesis
             as Identified), Phase 3 resolution (-Restart restarts -Container; then waits until no alert fires and
             every service is healthy, at most -RecoveryTimeoutSec), Phase 4 the post-incident review (closed with
             its detection, response and resolution times, every action on its timeline, the report in -ReportPath).
             Exits 1 when it does not recover, the incident left open.

Changes are made without prompting (-Confirm:$false), as an unattended runbook must; -WhatIf changes nothing.

.EXAMPLE
./agent-node.ps1 -Procedure Logs -LogPath /var/log/agent-node/app.log

.EXAMPLE
./agent-node.ps1 -Procedure Respond -PrometheusUri http://prometheus:9090 -SecretVariable API_KEY, SMTP_PASS -ReportPath ./postmortems
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Alerts', 'Logs', 'Redaction', 'Respond')]
    [string]$Procedure = 'Alerts',
    [string]$Inventory = (Join-Path $PSScriptRoot 'agent-node.stack.psd1'),
    [string]$RulesPath = (Join-Path $PSScriptRoot 'agent-node.rules.yaml'),
    # Prometheus; by default PROMETHEUS_URL.
    [string]$PrometheusUri = $env:PROMETHEUS_URL,
    [string]$LogPath = '/var/log/agent-node/app.log',
    [string]$TraceId,
    [int]$SlowMs = 1000,
    # The environment variables holding the service's secrets (seed 004's configuration: API_KEY, SMTP_PASS, ...).
    [string[]]$SecretVariable = @('API_KEY', 'LOG_HTTP_AUTH_HEADER', 'SMTP_PASS', 'TELEGRAM_BOT_TOKEN'),
    # The breakdown query of each alert, as the seed's dashboard has it.
    [hashtable]$InvestigationQuery = @{
        HighErrorRate    = 'sum by (route, error_type) (rate(http_request_errors_total[5m]))'
        HighLatency      = 'histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket[5m])))'
        MemoryUsageHigh  = 'memory_usage_bytes{type="heap_used"} / ignoring(type) memory_usage_bytes{type="heap_total"}'
        AIProviderErrors = 'sum by (provider, error_type) (rate(ai_request_errors_total[5m]))'
    },
    [string]$Container,
    [switch]$Restart,
    [int]$RecoveryTimeoutSec = 600,
    [int]$PollSec = 5,
    [string]$ReportPath = '.',
    [string]$IncidentStore
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
$prometheus = if ($PrometheusUri) { @{ PrometheusUri = $PrometheusUri } } else { @{} }
$logs = @(Get-Item "$LogPath*" -ErrorAction SilentlyContinue | ForEach-Object FullName)

function Get-FiringAlert { @(Test-AlertRule -Path $RulesPath @prometheus | Where-Object State -ne Inactive) }

function Invoke-Investigation([object[]]$Firing) {
    # What the seed's investigation steps read, one line each: the breakdown, the errors, the dependencies.
    foreach ($alert in $Firing) {
        if ($InvestigationQuery[$alert.Name]) {
            $series = @(Invoke-PrometheusQuery $InvestigationQuery[$alert.Name] @prometheus | Sort-Object Value -Descending)
            "$($alert.Name): $($series.Count) series; highest $(($series | Select-Object -First 3 | ForEach-Object { "$_" }) -join '; ')"
        }
    }
    if ($logs) {
        $byName = @(Search-ServiceLog -Path $logs -Level error -GroupBy error.name | Sort-Object Count -Descending)
        $byTrace = @(Search-ServiceLog -Path $logs -Level error -GroupBy traceId | Sort-Object Count -Descending)
        "errors in the log: $(($byName | ForEach-Object { "$($_.Value ?? '(none)') x$($_.Count)" }) -join ', '); $($byTrace.Count) traces, the most in $($byTrace[0].Value) ($($byTrace[0].Count))"
    }
    $health = @(Get-ServiceHealth -Inventory $Inventory)
    "dependencies: $(($health | ForEach-Object { "$($_.Name) $($_.Status)" }) -join ', ')"
}

switch ($Procedure) {
    'Alerts' {
        Write-Host "Alert rules of $RulesPath, evaluated now"
        $results = @(Test-AlertRule -Path $RulesPath @prometheus)
        $results | Format-Table | Out-Host
        $firing = @($results | Where-Object State -ne Inactive)
        if (-not $firing) { Write-Host 'No alert fires.'; exit 0 }
        Invoke-Investigation $firing | ForEach-Object { Write-Host "Investigation: $_" }
        exit 1
    }
    'Logs' {
        if (-not $logs) { throw "No log at $LogPath." }
        Write-Host "Errors counted by error.name ($($logs.Count) files)"
        Search-ServiceLog -Path $logs -Level error -GroupBy error.name | Sort-Object Count -Descending | Format-Table | Out-Host
        $traces = @(Search-ServiceLog -Path $logs -Level error -GroupBy traceId | Sort-Object Count -Descending)
        Write-Host "Trace ids of the errors: $($traces.Count)"
        $traces | Select-Object -First 10 | Format-Table | Out-Host
        if (-not $TraceId -and $traces) { $TraceId = $traces[0].Value }
        if ($TraceId) {
            Write-Host "Errors of trace $TraceId"
            Search-ServiceLog -Path $logs -Level error -TraceId $TraceId | Format-Table | Out-Host
            Write-Host "Every line of trace $TraceId"
            Search-ServiceLog -Path $logs -TraceId $TraceId | Format-Table | Out-Host
        }
        Write-Host "Requests slower than $SlowMs ms"
        Search-ServiceLog -Path $logs -Event request_completed -Filter { $_.Data.duration -gt $SlowMs } | Format-Table | Out-Host
        exit 0
    }
    'Redaction' {
        if (-not $logs) { throw "No log at $LogPath." }
        $leaks = @(Test-LogRedaction -Path $logs -EnvironmentVariable $SecretVariable)
        if (-not $leaks) { Write-Host "No unredacted secret in $($logs.Count) files."; exit 0 }
        Write-Warning "$($leaks.Count) unredacted secrets: rotate them, and fix the redaction of these fields"
        $leaks | Format-Table | Out-Host
        exit 1
    }
    'Respond' {
        $store = if ($IncidentStore) { @{ Store = $IncidentStore } } else { @{} }
        # Phase 1: detection and triage.
        $firing = Get-FiringAlert
        $unhealthy = @(Get-ServiceHealth -Inventory $Inventory | Where-Object Status -ne Healthy)
        if (-not $firing -and -not $unhealthy) { Write-Host 'No alert fires and every service is healthy: no incident.'; exit 0 }
        $severity = if ($unhealthy | Where-Object Status -eq Unhealthy) { 'P1' } elseif ($firing | Where-Object Severity -eq critical) { 'P1' } else { 'P2' }
        $symptoms = @($firing | ForEach-Object { "$($_.Name) $($_.State) ($($_.Summary))" }) + @($unhealthy | ForEach-Object { "$($_.Name) $($_.Status)" })
        $title = "agent-node: $(@($firing.Name) + @($unhealthy.Name) -join ', ')"
        $affected = if ($unhealthy) { @{ Service = @($unhealthy.Name) } } else { @{} }
        $incident = Start-IncidentResponse -Title $title -Severity $severity -Impact ($symptoms -join '; ') @affected @store
        if ($incident) { Write-Host "Phase 1: $($incident.Id) opened ($severity): $($symptoms -join '; ')" }

        # Phase 2: investigation.
        $findings = @(Invoke-Investigation $firing)
        $leaks = if ($logs) { @(Test-LogRedaction -Path $logs -EnvironmentVariable $SecretVariable) } else { @() }
        $findings += "redaction check: $(if ($leaks) { "$($leaks.Count) unredacted secrets ($(($leaks.Field | Sort-Object -Unique) -join ', ')): rotate them" } else { 'nothing unredacted' })"
        foreach ($finding in $findings) {
            Write-Host "Phase 2: $finding"
            if ($incident) { $incident | Add-IncidentNote -Text "Phase 2: $finding" @store }
        }
        if ($incident) { $null = $incident | Set-IncidentStatus -Status Identified -Note "Hypothesis: $($findings[0])" @store }

        # Phase 3: resolution.
        if ($Restart -and $Container) {
            $null = Restart-ServiceContainer -Name $Container -Confirm:$false
            Write-Host "Phase 3: restarted $Container"
        }
        if ($WhatIfPreference) { exit 0 }
        $deadline = [datetime]::UtcNow.AddSeconds($RecoveryTimeoutSec)
        do {
            $still = Get-FiringAlert
            $down = @(Get-ServiceHealth -Inventory $Inventory | Where-Object Status -ne Healthy)
            if (-not $still -and -not $down) { break }
            Start-Sleep -Seconds ([math]::Max(1, [math]::Min($PollSec, ($deadline - [datetime]::UtcNow).TotalSeconds)))
        } while ([datetime]::UtcNow -lt $deadline)
        if ($still -or $down) {
            $incident | Add-IncidentNote -Text "Phase 3: still $(@($still.Name) + @($down.Name) -join ', ') after $RecoveryTimeoutSec s" @store
            Write-Warning "$($incident.Id) is still open: $(@($still.Name) + @($down.Name) -join ', ')"
            exit 1
        }
        $null = $incident | Set-IncidentStatus -Status Monitoring -Note 'Phase 3: no alert fires, every service is healthy' @store
        Write-Host 'Phase 3: no alert fires and every service is healthy'

        # Phase 4: post-incident review.
        $closed = $incident | Close-Incident -Resolution 'The alerts cleared' -RootCause "To be established in the review: $($findings[0])" `
            -ActionItem (@(if ($leaks) { 'Rotate the leaked secrets and fix their redaction' }) + @('Monitoring improvements', 'Runbook updates')) @store
        $null = New-Item -ItemType Directory -Force $ReportPath
        $report = $closed | Export-IncidentReport -Path $ReportPath -Force @store
        Write-Host "Phase 4: $($closed.Id) resolved $([OpsRunbook.DurationText]::Format($closed.TimeToResolve)) after detection; post-mortem (timeline, detection, response and resolution times) in $($report.FullName)"
        $closed.Actions | Format-Table | Out-Host
        exit 0
    }
}
