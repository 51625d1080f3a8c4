<#
.SYNOPSIS
Seed 000 (Portfolio Advisor) as a runbook script: health checks, ordered startup, graceful shutdown, the
pre-maintenance backup and database maintenance, and the incident response with "Debug a Failed Request".

.DESCRIPTION
One procedure of seed 000 per run, chosen with -Procedure:

  Health       "Health Checks" (the default). Waits for PostgreSQL and Redis, then for the API, instead of the
               runbook's sleep 15 / sleep 10, then probes every service: liveness, readiness with the API's
               per-dependency checks, pg_isready and redis-cli ping, and the cache hit rate ("redis-cli INFO stats":
               over 80% normal, under 50% an alert, warned). Exits 1 when a service is not healthy.
  Startup      "Full System Startup": Start-ServiceStack starts the data tier, waits until it is ready, then
               starts the API and waits for its readiness; then the health checks.
  Shutdown     "Graceful Shutdown": the API first, -DrainSec for in-flight requests (seed 000: 30 s), then the rest.
               -Emergency is "docker compose down --timeout 5": no drain, 5 s to stop.
  Maintenance  "Data Preservation" and "Database Maintenance": a verified backup of PostgreSQL and a Redis
               snapshot (BGSAVE, copied out and checksummed) into -BackupPath, VACUUM ANALYZE, and the table sizes.
  Respond      The incident flow: detect, open an incident of seed 000's severity (P1 API unreachable or database
               down, P2 API degraded, P3 cache or a single component), preserve evidence, "Debug a Failed Request"
               from the API's error log (trace ids, the failed span, circuit-breaker events), recover (start what
               is stopped, in order; restart what runs but fails), verify, close with the [RESOLVED] message
               and write the post-mortem into -ReportPath. Every command run is on the incident's timeline and
               in the post-mortem's "Actions taken". Exits 1 when the stack is not healthy again within
               -RecoveryTimeoutSec, the incident left open.

Changes are made without prompting (-Confirm:$false), as an unattended runbook must; -WhatIf shows what each
step would do and changes nothing. Passwords come from the environment variables the inventory names.

.EXAMPLE
$env:PORTFOLIO_PG_PASSWORD = '...'; $env:PORTFOLIO_REDIS_PASSWORD = '...'
./portfolio-advisor.ps1 -Inventory ./portfolio-advisor.stack.psd1

.EXAMPLE
./portfolio-advisor.ps1 -Procedure Respond -ReportPath ./postmortems -IncidentStore /srv/incidents

.EXAMPLE
./portfolio-advisor.ps1 -Procedure Shutdown -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Health', 'Startup', 'Shutdown', 'Maintenance', 'Respond')]
    [string]$Procedure = 'Health',
    [string]$Inventory = (Join-Path $PSScriptRoot 'portfolio-advisor.stack.psd1'),
    [int]$StartupTimeoutSec = 60,
    [int]$DrainSec = 30,
    [switch]$Emergency,
    [string]$BackupPath = './backups',
    [int]$KeepBackups = 10,
    [int]$RecoveryTimeoutSec = 300,
    [string]$ReportPath = '.',
    # Where incidents are kept; by default OPSRUNBOOK_INCIDENT_STORE or the local folder.
    [string]$IncidentStore,
    [string]$Commander = [Environment]::UserName
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
$services = (Import-PowerShellDataFile $Inventory).Services
function Get-Container([string[]]$Name) { @($services | Where-Object { $_.Name -in $Name -and $_.Container } | ForEach-Object { $_.Container }) }

function Invoke-HealthCheck {
    # Health checks: liveness, readiness with its per-dependency checks, and every component directly.
    Write-Host 'Health checks'
    $health = Get-ServiceHealth -Inventory $Inventory | Sort-Object Name
    $health | Format-Table | Out-Host
    $readiness = $health | Where-Object { $_.Kind -eq 'Http' -and $_.Components } | Select-Object -First 1
    if ($readiness) {
        Write-Host "Readiness checks reported by $($readiness.Name) (version $($readiness.Version)):"
        $readiness.Components | Format-Table | Out-Host
    }
    $unhealthy = @($health | Where-Object Status -ne 'Healthy')
    if ($unhealthy.Count) {
        $unhealthy | ForEach-Object { Write-Warning "$($_.Name) is $($_.Status): $($_.Error)" }
        return 1
    }
    Write-Host "All $($health.Count) services are healthy."
    0
}

switch ($Procedure) {
    'Health' {
        # Startup step 1: infrastructure first. "sleep 15; pg_isready; redis-cli ping" becomes one bounded wait.
        Write-Host 'Step 1: waiting for PostgreSQL and Redis'
        $null = Wait-ServiceHealth -Inventory $Inventory -Tag infrastructure -TimeoutSec $StartupTimeoutSec
        # Startup step 3: the API, which needs both. "sleep 10; curl /health/ready" becomes a wait for readiness.
        Write-Host 'Step 3: waiting for the API to be ready'
        $null = Wait-ServiceHealth -Inventory $Inventory -Name api -TimeoutSec $StartupTimeoutSec
        $code = Invoke-HealthCheck
        # "redis-cli INFO stats | grep hit": seed 000 calls over 80% normal and under 50% an alert.
        foreach ($cache in Get-RedisInfo -Inventory $Inventory) {
            Write-Host "Cache hit rate of $($cache.Name): $(if ($null -ne $cache.HitRatePercent) { '{0:0.#}%' -f $cache.HitRatePercent } else { 'n/a (no lookups yet)' }) ($($cache.HitRateStatus))"
            if ($cache.HitRateStatus -eq 'Alert') { Write-Warning "The cache hit rate of $($cache.Name) is under 50%: check what evicts or misses (Get-RedisInfo | Format-List *)." }
        }
        exit $code
    }
    'Startup' {
        # "docker compose up -d postgres redis; sleep 15; ...; docker compose up -d api; sleep 10": each tier
        # started once what it depends on is ready, and waited for until it is ready itself.
        Write-Host 'Startup: data tier first, then the API, each when what it needs is ready'
        Start-ServiceStack -Inventory $Inventory -TimeoutSec $StartupTimeoutSec -Confirm:$false | Format-Table | Out-Host
        if ($WhatIfPreference) { exit 0 }
        exit (Invoke-HealthCheck)
    }
    'Shutdown' {
        # "docker compose stop api; sleep 30; docker compose down", or "docker compose down --timeout 5".
        $drain, $timeout = if ($Emergency) { 0, 5 } else { $DrainSec, 30 }
        Write-Host "Shutdown: $(if ($Emergency) { 'emergency, no drain' } else { "the API first, $drain s to drain, then the rest" })"
        Stop-ServiceStack -Inventory $Inventory -DrainSec $drain -TimeoutSec $timeout -Confirm:$false | Format-Table | Out-Host
        exit 0
    }
    'Maintenance' {
        # "pg_dump -U postgres portfolio_advisor > backup.sql": checksummed, renamed into place when complete.
        Write-Host "Maintenance step 1: backing up PostgreSQL into $BackupPath (keeping the last $KeepBackups)"
        $postgres = ($services | Where-Object Kind -eq 'Postgres' | Select-Object -First 1).Name
        $backup = Invoke-DatabaseBackup -Inventory $Inventory -Name $postgres -Path $BackupPath -KeepLast $KeepBackups -Confirm:$false
        if ($backup) { Write-Host "Backup $($backup.Name): $($backup.Verification), sha256 $($backup.Sha256)" }
        # "redis-cli BGSAVE": waited for, the snapshot copied out of the container and checksummed.
        Write-Host "Maintenance step 1b: a Redis snapshot into $BackupPath"
        foreach ($snapshot in Invoke-RedisBackup -Inventory $Inventory -Path $BackupPath -Confirm:$false) { Write-Host "Redis snapshot $($snapshot.Path): sha256 $($snapshot.Sha256)" }
        # "VACUUM ANALYZE", then "table sizes".
        Write-Host 'Maintenance step 2: VACUUM ANALYZE'
        Invoke-DatabaseMaintenance -Inventory $Inventory -Name $postgres -Operation Vacuum, Analyze -Confirm:$false | Format-Table | Out-Host
        Write-Host 'Maintenance step 3: the largest tables'
        Get-DatabaseSize -Inventory $Inventory -Name $postgres -Table -Top 10 | Format-Table | Out-Host
        exit 0
    }
    'Respond' {
        $store = if ($IncidentStore) { @{ Store = $IncidentStore } } else { @{} }
        $notify = [bool]($env:OPSRUNBOOK_INCIDENT_WEBHOOK -or $env:SLACK_WEBHOOK_URL)

        # Detect.
        Write-Host 'Step 1: checking every service'
        $health = @(Get-ServiceHealth -Inventory $Inventory)
        $unhealthy = @($health | Where-Object Status -ne Healthy)
        if (-not $unhealthy) {
            Write-Host "All $($health.Count) services are healthy: no incident."
            exit 0
        }

        # Severity, as seed 000 defines it: P1 service down, P2 major degradation, P3 partial issues.
        $api = @($unhealthy | Where-Object Kind -eq Http)
        $severity = if (($api | Where-Object Status -eq Unhealthy) -or ($unhealthy | Where-Object { $_.Kind -eq 'Postgres' -and $_.Status -eq 'Unhealthy' })) { 'P1' }
        elseif ($api) { 'P2' }
        else { 'P3' }
        $summary = ($unhealthy | ForEach-Object { "$($_.Name) $($_.Status)$(if ($_.Error) { " ($($_.Error))" })" }) -join '; '
        Write-Host "Step 2: $($unhealthy.Count) of $($health.Count) services are not healthy: $summary. Severity $severity."

        # Open, preserving evidence first; from here on every command is on the incident's timeline.
        $incident = $unhealthy | Start-IncidentResponse -Severity $severity -Commander $Commander -CollectEvidence -Inventory $Inventory -Notify:$notify @store
        if ($incident) {
            Write-Host "Step 3: opened $($incident.Id) ($($incident.Title)); respond by $($incident.ResponseDeadline.ToLocalTime().ToString('HH:mm')); evidence in $($incident.EvidencePath)"
        }

        # Debug a Failed Request: the trace ids of the API's errors, every line of the first, circuit-breaker events.
        $affected = @($unhealthy.Name)
        foreach ($container in Get-Container ($services | Where-Object Kind -eq Http).Name) {
            $errors = @(Get-ServiceLog -Name $container -Since 1h -Level error, fatal -ErrorAction SilentlyContinue)
            $traced = @($errors | Where-Object TraceId)
            $circuit = @(Get-ServiceLog -Name $container -Since 1h -Pattern circuit -ErrorAction SilentlyContinue)
            $note = "Step 4: $container logged $($errors.Count) errors in the last hour, $($circuit.Count) circuit-breaker events"
            if ($traced) {
                $trace = @(Get-ServiceLog -Name $container -Since 1h -TraceId $traced[0].TraceId)
                $note += "; first failed request $($traced[0].TraceId): '$($traced[0].Message)', $($trace.Count) lines in its trace"
            }
            Write-Host $note
            if ($incident) { $incident | Add-IncidentNote -Text $note @store }
        }

        # Recover: "docker compose up -d" for what is stopped (in order, each when its dependencies are ready),
        # "docker compose restart" for what runs but fails.
        $containers = @(Get-ServiceContainer -Name (Get-Container $affected) -All -ErrorAction SilentlyContinue)
        $stopped = @($containers | Where-Object State -ne Running)
        $failing = @($containers | Where-Object State -eq Running)
        if ($stopped) {
            $names = @($services | Where-Object { $_.Container -in $stopped.Name } | ForEach-Object { $_.Name })
            Write-Host "Step 5: starting $($names -join ', ') and what they need, in order"
            $steps = @(Start-ServiceStack -Inventory $Inventory -Name $names -TimeoutSec $RecoveryTimeoutSec -Confirm:$false -ErrorAction Continue)
            $steps | Format-Table | Out-Host
        }
        if ($failing) {
            Write-Host "Step 5: restarting $($failing.Name -join ', ')"
            $null = Restart-ServiceContainer -Name $failing.Name -Confirm:$false
        }
        if ($WhatIfPreference) { exit 0 }

        # Verify.
        $recovered = @(Wait-ServiceHealth -Inventory $Inventory -TimeoutSec $RecoveryTimeoutSec -ErrorAction SilentlyContinue -ErrorVariable notRecovered)
        if ($notRecovered) {
            $now = Get-Incident -Id $incident.Id @store
            $incident | Add-IncidentNote -Text "Step 6: not healthy within $RecoveryTimeoutSec s" @store
            Write-Warning "$($incident.Id) is still open ($($now.Status)); escalation: $($now.EscalationLevel), next $($now.NextEscalation) at $($now.NextEscalationAt)"
            exit 1
        }
        $what = @(if ($stopped) { 'started ' + ($stopped.Name -join ', ') }; if ($failing) { 'restarted ' + ($failing.Name -join ', ') }) -join ' and '
        $null = $incident | Set-IncidentStatus -Status Monitoring -Note "Step 6: all $($recovered.Count) services healthy again after $(if ($what) { $what } else { 'no action' })" -Notify:$notify @store
        Write-Host "Step 6: all $($recovered.Count) services are healthy again"

        # Close and write the post-mortem.
        $closed = $incident | Close-Incident -Resolution "Recovered: $(if ($what) { $what } else { 'no action needed' })" -RootCause "To be established in the post-mortem ($summary)" -Notify:$notify @store
        $null = New-Item -ItemType Directory -Force $ReportPath
        $report = $closed | Export-IncidentReport -Path $ReportPath -Force @store
        Write-Host "Step 7: $($closed.Id) resolved after $([OpsRunbook.DurationText]::Format($closed.Duration)); $($closed.Actions.Count) actions on its timeline; post-mortem in $($report.FullName)"
        $closed.Actions | Format-Table | Out-Host
        exit 0
    }
}
