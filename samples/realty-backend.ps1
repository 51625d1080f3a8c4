<#
.SYNOPSIS
Seed 002 (real-estate AI backend) as a runbook script: health with the Redis fallback, error-rate, latency and
rate-limit diagnosis from /metrics and the logs, the Redis connection failure as an incident, backup and the data
loss restore, and the service-down restart.

.DESCRIPTION
One procedure of seed 002 per run, chosen with -Procedure:

  Health        "Health Check": every service, and whether the backend runs on its memory fallback (200 from
                /health, "degraded", Redis named) because Redis is down. Exits 1 unless all are healthy.
  Diagnose      "High Error Rate", "Slow Response Times", "Rate Limit Violations": the /metrics figures
                (error_rate, cache_hit_rate, avg_response_time), seed 002's thresholds from -RulesPath, the
                backend's error and 429 lines of the last -Since, and Redis. Says which of the seed's solutions
                applies. Exits 1 when a threshold is crossed or Redis is down.
  RedisFailure  "Redis Connection Failure" as an incident: opens it (P2 while the backend is degraded, P1 when it
                is down) with evidence, checks the Redis container and its log, starts or restarts Redis ("redis-cli
                shutdown && redis-server"), waits until Redis and the backend are healthy, closes the incident and
                writes the post-mortem, every command on its timeline. Exits 1 if it does not recover.
  Backup        "Create Backup": a checksummed backup of the reports and memories database into -BackupPath.
  Restore       "Data Loss": stop the backend, restore -BackupFile (by default the newest valid backup in
                -BackupPath; its checksum first, row counts compared), start the backend, wait for its health.
  Restart       "Service Down": the health, a restart of the backend, its recent errors.
  ClearCache    "Clear Cache": cache_clear_pattern("realty_us:*") (or -Pattern), with SCAN and UNLINK, never KEYS; the
                keys that would go are counted first, and a pattern of * (cache_clear_pattern("*")) needs -Force.

Changes are made without prompting (-Confirm:$false), as an unattended runbook must; -WhatIf shows what each
step would do and changes nothing.

.EXAMPLE
$env:REALTY_PG_PASSWORD = '...'; $env:REALTY_REDIS_PASSWORD = '...'
./realty-backend.ps1 -Procedure Diagnose -MetricsUri http://localhost:8000/metrics

.EXAMPLE
./realty-backend.ps1 -Procedure Restore -BackupPath ./backups -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Health', 'Diagnose', 'RedisFailure', 'Backup', 'Restore', 'Restart', 'ClearCache')]
    [string]$Procedure = 'Health',
    [string]$Inventory = (Join-Path $PSScriptRoot 'realty-backend.stack.psd1'),
    [string]$MetricsUri = 'http://localhost:8000/metrics',
    [string]$RulesPath = (Join-Path $PSScriptRoot 'realty-backend.rules.yaml'),
    [string]$Since = '1h',
    [string]$BackupPath = './backups',
    [string]$BackupFile,
    [int]$RecoveryTimeoutSec = 120,
    [string]$ReportPath = '.',
    [string]$IncidentStore,
    # ClearCache: the keys to delete, and -Force for a pattern that takes every key.
    [string[]]$Pattern = 'realty_us:*',
    [switch]$Force
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
$services = (Import-PowerShellDataFile $Inventory).Services
function Get-InventoryService([string]$Kind) { $services | Where-Object Kind -eq $Kind | Select-Object -First 1 }
$backend = Get-InventoryService Http
$redis = Get-InventoryService Redis
$database = Get-InventoryService Postgres

function Show-Health {
    $health = @(Get-ServiceHealth -Inventory $Inventory | Sort-Object Name)
    $health | Format-Table | Out-Host
    $api = $health | Where-Object Name -eq $backend.Name
    $fallback = if ($api.Status -eq 'Degraded') { $api.Components | Where-Object { $_.Name -match 'redis' -and $_.Status -ne 'Healthy' } | Select-Object -First 1 }
    if ($fallback) { Write-Host "$($backend.Name) answers on its memory fallback (degraded mode): its $($fallback.Name) check is $($fallback.Status)$(if ($fallback.Error) { ": $($fallback.Error)" })" }
    $health
}

switch ($Procedure) {
    'Health' {
        Write-Host 'Health check'
        $health = Show-Health
        exit ([int][bool]($health | Where-Object Status -ne Healthy))
    }
    'Diagnose' {
        # 1. /metrics: "curl http://localhost:8000/metrics | jq '.error_rate'" and the two other queries.
        Write-Host "Step 1: the backend's metrics ($MetricsUri)"
        $metrics = @(Get-ServiceMetric -Uri $MetricsUri)
        $metrics | Format-Table | Out-Host
        # Seed 002's thresholds.
        Write-Host "Step 2: seed 002's thresholds ($RulesPath)"
        $rules = @(Test-AlertRule -Path $RulesPath -MetricsUri $MetricsUri)
        $rules | Format-Table | Out-Host
        $firing = @($rules | Where-Object State -ne Inactive)
        # 3. "Review error logs", and the 429s of "Rate Limit Violations".
        $errors = @(Get-ServiceLog -Name $backend.Container -Since $Since -Level error, fatal)
        $limited = @(Get-ServiceLog -Name $backend.Container -Since $Since -Pattern '\b429\b')
        Write-Host "Step 3: $($backend.Container) logged $($errors.Count) errors and $($limited.Count) rate-limited (429) requests in $Since"
        $errors | Select-Object -Last 5 | Format-Table | Out-Host
        # 4. "Check Redis connection".
        $cache = Get-ServiceHealth -Inventory $Inventory -Name $redis.Name
        Write-Host "Step 4: Redis is $($cache.Status)$(if ($cache.Error) { ": $($cache.Error)" })"
        # The seed's solutions, for what was found.
        if ($cache.Status -ne 'Healthy') { Write-Host 'Solution: Redis errors: run -Procedure RedisFailure (check the connection and restart Redis).' }
        if ($firing.Name -contains 'HighErrorRate' -and $cache.Status -eq 'Healthy') { Write-Host 'Solution: API or LLM errors: verify the API keys, their rate limits and quota; -Procedure Restart if needed.' }
        if ($firing.Name -contains 'SlowResponses' -or $firing.Name -contains 'LowCacheHitRate') { Write-Host 'Solution: slow responses: check the cache hit rate, restart Redis if slow, check for rate limiting.' }
        if ($limited) { Write-Host 'Solution: rate limit violations: adjust the limits for legitimate use, or investigate abuse.' }
        if (-not $firing -and $cache.Status -eq 'Healthy' -and -not $limited) { Write-Host 'Every figure is within its threshold.' }
        exit ([int][bool]($firing -or $cache.Status -ne 'Healthy'))
    }
    'RedisFailure' {
        $store = if ($IncidentStore) { @{ Store = $IncidentStore } } else { @{} }
        Write-Host 'Step 1: health'
        $health = Show-Health
        $bad = @($health | Where-Object Status -ne Healthy)
        if (-not ($bad | Where-Object Name -eq $redis.Name)) {
            Write-Host 'Redis is healthy: nothing to do.'
            exit ([int][bool]$bad)
        }
        $severity = if ($bad | Where-Object { $_.Name -eq $backend.Name -and $_.Status -eq 'Unhealthy' }) { 'P1' } else { 'P2' }
        $incident = $bad | Start-IncidentResponse -Title 'Redis connection failure' -Severity $severity -Impact 'Cache and rate limiting in memory (degraded mode)' -CollectEvidence -Inventory $Inventory @store
        if ($incident) { Write-Host "Step 2: opened $($incident.Id) ($severity); evidence in $($incident.EvidencePath)" }

        # "Check Redis server status", "Check Redis logs".
        $container = @(Get-ServiceContainer -Name $redis.Container -All)
        $log = @(Get-ServiceLog -Name $redis.Container -Tail 20)
        $note = "Step 3: $($redis.Container) is $($container.State); the last of its log: $(($log | Select-Object -Last 1).Message)"
        Write-Host $note
        if ($incident) { $incident | Add-IncidentNote -Text $note @store }

        # "Restart Redis: redis-cli shutdown && redis-server".
        if ($container.State -eq 'Running') { $null = Restart-ServiceContainer -Name $redis.Container -Confirm:$false }
        else { $null = Start-ServiceContainer -Name $redis.Container -Confirm:$false }
        Write-Host "Step 4: $(if ($container.State -eq 'Running') { 'restarted' } else { 'started' }) $($redis.Container)"
        if ($WhatIfPreference) { exit 0 }

        $recovered = @(Wait-ServiceHealth -Inventory $Inventory -Name $redis.Name, $backend.Name -TimeoutSec $RecoveryTimeoutSec -ErrorAction SilentlyContinue -ErrorVariable notRecovered)
        if ($notRecovered) {
            $incident | Add-IncidentNote -Text "Step 5: not recovered within $RecoveryTimeoutSec s" @store
            Write-Warning "$($incident.Id) is still open: Redis or the backend is not healthy after $RecoveryTimeoutSec s."
            exit 1
        }
        Write-Host "Step 5: Redis and $($backend.Name) are healthy: the backend left its memory fallback"
        $closed = $incident | Close-Incident -Resolution "Started $($redis.Container) again; the backend left degraded mode" -RootCause 'Redis was down' @store
        $null = New-Item -ItemType Directory -Force $ReportPath
        $report = $closed | Export-IncidentReport -Path $ReportPath -Force @store
        Write-Host "Step 6: $($closed.Id) resolved after $([OpsRunbook.DurationText]::Format($closed.Duration)); post-mortem in $($report.FullName)"
        $closed.Actions | Format-Table | Out-Host
        exit 0
    }
    'Backup' {
        Write-Host "Backup of $($database.Name) into $BackupPath"
        $backup = Invoke-DatabaseBackup -Inventory $Inventory -Name $database.Name -Path $BackupPath -Confirm:$false
        if ($backup) { $backup | Format-Table | Out-Host }
        exit 0
    }
    'Restore' {
        # "Data Loss": stop the service, restore, verify, restart.
        $file = if ($BackupFile) { $BackupFile }
        else { (Get-DatabaseBackup -Path $BackupPath -Verify | Where-Object Verification -eq Valid | Select-Object -First 1).Path }
        if (-not $file) { throw "No valid backup in $BackupPath." }
        Write-Host "Step 1: stopping $($backend.Container) to prevent further data loss"
        $null = Stop-ServiceContainer -Name $backend.Container -Confirm:$false
        Write-Host "Step 2: restoring $file"
        $restored = Restore-DatabaseBackup -Path $file -Inventory $Inventory -Name $database.Name -Confirm:$false
        if ($restored) { $restored | Format-List | Out-Host }
        Write-Host "Step 3: starting $($backend.Container)"
        $null = Start-ServiceContainer -Name $backend.Container -Confirm:$false
        if ($WhatIfPreference) { exit 0 }
        $null = Wait-ServiceHealth -Inventory $Inventory -TimeoutSec $RecoveryTimeoutSec
        Write-Host 'Step 4: every service is healthy again'
        exit 0
    }
    'ClearCache' {
        # "Clear Specific Cache": cache_clear_pattern("realty_us:*"), counted first, then deleted in batches.
        $counted = @(Clear-RedisCache -Inventory $Inventory -Name $redis.Name -Pattern $Pattern -WhatIf:$true)
        Write-Host "Step 1: $(($counted | Measure-Object Matched -Sum).Sum) keys match $($Pattern -join ', ')"
        if ($WhatIfPreference) { exit 0 }
        try { $cleared = @(Clear-RedisCache -Inventory $Inventory -Name $redis.Name -Pattern $Pattern -Force:$Force -Confirm:$false) }
        catch { Write-Warning $_.Exception.Message; exit 1 }
        $cleared | Format-Table | Out-Host
        Write-Host "Step 2: deleted $(($cleared | Measure-Object Deleted -Sum).Sum) keys; the cache refills from the backend as it is asked."
        exit 0
    }
    'Restart' {
        # "Service Down": check, restart, check the logs.
        Write-Host 'Step 1: health'
        $null = Show-Health
        Write-Host "Step 2: restarting $($backend.Container)"
        $null = Restart-ServiceContainer -Name $backend.Container -Confirm:$false
        if ($WhatIfPreference) { exit 0 }
        $health = Wait-ServiceHealth -Inventory $Inventory -Name $backend.Name -TimeoutSec $RecoveryTimeoutSec
        Write-Host "Step 3: $($backend.Name) is $($health.Status); its recent errors:"
        Get-ServiceLog -Name $backend.Container -Since 10m -Level error, fatal | Format-Table | Out-Host
        exit 0
    }
}
