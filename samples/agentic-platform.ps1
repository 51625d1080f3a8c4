<#
.SYNOPSIS
Seed 001 (Agentic Platform) as a runbook script: the 9-step incident process, verified backups and a restore that
refuses a corrupt one, killing long-running queries, the four scenarios' checks, and complete service recovery.

.DESCRIPTION
-Procedure Incident (the default) is the nine steps of seed 001, each with the OpsRunbook cmdlet that does it:

  1. Detection & alert     Get-ServiceHealth over the inventory; nothing unhealthy, nothing to do.
  2. Assess severity       P0 when the database is down or every service is (complete outage), P1 when any service
                           is down, P2 when services are only degraded; -Severity overrides.
  3. Create incident       Start-IncidentResponse with the unhealthy results, evidence preserved (health, containers,
                           error logs, database activity, Redis INFO, every secret masked) and the [INCIDENT] message.
  4. Initial response      with -Restart, Restart-ServiceContainer for the affected services' containers.
  5. Investigate           Get-ServiceLog: the error lines of the last 30 minutes of each affected container, as notes.
  6. Communicate           an [UPDATE] with what was done (seed 001: every 15-30 minutes; Get-Incident shows NextUpdateAt).
  7. Resolution            Wait-ServiceHealth until the stack is healthy again, at most -RecoveryTimeoutSec.
  8. Verify                Monitoring for -MonitorSec (seed 001: 30 minutes), probing every -MonitorIntervalSec.
  9. Post-mortem           Close-Incident with the [RESOLVED] message, and Export-IncidentReport into -ReportPath.

The other procedures:

  Backup       "Manual backup": gzip SQL with a .sha256 sidecar, as backup.sh makes them, keeping -KeepBackups.
  Restore      "Database Recovery": stop the API, the newest backup whose checksum holds (or -BackupFile), restored
               only after its checksum is verified (a corrupt one is refused and the database left as it was), the
               API started again and its readiness waited for. Exits 1 when the restore was refused.
  KillQueries  "Connection pool exhausted" and "killing long-running queries": the active sessions running longer
               than -MinQueryDurationSec, terminated (pg_terminate_backend).
  Diagnose     The scenarios' checks: connections against max_connections, the containers' memory (memory leak),
               the disk of -DataPath (disk full), the certificate of -TlsUri (expired certificate).
  Recover      "Complete Service Recovery": the stack stopped, then started in order, each tier when the one before
               is ready.

With -IncidentId, every command of the procedure goes on that incident's timeline. The store and the webhook come
from the environment (OPSRUNBOOK_INCIDENT_STORE, OPSRUNBOOK_INCIDENT_WEBHOOK or SLACK_WEBHOOK_URL) or
$PSDefaultParameterValues, so the same script runs on a laptop and in Azure Automation. Without a webhook the
incident is recorded but no message is sent. Changes are made without prompting; -WhatIf changes nothing.

Exits 0 when all was well or the incident was resolved; 1 when it is still open (after the recovery timeout, or
because it failed again while monitored), with who to escalate to next.

.EXAMPLE
$env:AGENTIC_PG_PASSWORD = '...'; $env:AGENTIC_REDIS_PASSWORD = '...'
$env:SLACK_WEBHOOK_URL = 'https://hooks.slack.com/services/...'
./agentic-platform.ps1 -Inventory ./agentic-platform.stack.psd1 -Restart -ReportPath ./postmortems

.EXAMPLE
./agentic-platform.ps1 -Procedure KillQueries -MinQueryDurationSec 300 -IncidentId INC-20261127-001
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [ValidateSet('Incident', 'Backup', 'Restore', 'KillQueries', 'Diagnose', 'Recover')]
    [string]$Procedure = 'Incident',
    [string]$Inventory = (Join-Path $PSScriptRoot 'agentic-platform.stack.psd1'),
    [ValidateSet('P0', 'P1', 'P2', 'P3')]
    [string]$Severity,
    [string]$Commander = [Environment]::UserName,
    [switch]$Restart,
    [int]$RecoveryTimeoutSec = 900,
    [int]$MonitorSec = 1800,
    [int]$MonitorIntervalSec = 30,
    [string]$RootCause = 'To be established in the post-mortem',
    [string]$ReportPath = '.',
    [string]$BackupPath = './backups',
    [int]$KeepBackups = 10,
    [string]$BackupFile,
    [int]$MinQueryDurationSec = 300,
    [string]$DataPath = '/var/lib/postgresql',
    [string]$TlsUri,
    # The CA of -TlsUri's certificate, when it is not one the system trusts.
    [string]$CaCertificatePath,
    [int]$StartupTimeoutSec = 120,
    # Record every command of the procedure on this incident's timeline.
    [string]$IncidentId
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
if ($IncidentId) { $PSDefaultParameterValues['*:IncidentId'] = $IncidentId }

if ($Procedure -ne 'Incident') {
    $services = (Import-PowerShellDataFile $Inventory).Services
    $database = $services | Where-Object Kind -eq Postgres | Select-Object -First 1
    $api = $services | Where-Object Kind -eq Http | Select-Object -First 1
    switch ($Procedure) {
        'Backup' {
            Write-Host "Backup of $($database.Name) into $BackupPath (gzip SQL and .sha256, keeping $KeepBackups)"
            Invoke-DatabaseBackup -Inventory $Inventory -Name $database.Name -Path $BackupPath -Format Sql -KeepLast $KeepBackups -Confirm:$false | Format-Table | Out-Host
            exit 0
        }
        'Restore' {
            # "sha256sum -c" first; "DROP DATABASE; CREATE DATABASE; gunzip -c | psql" only for a backup that checks.
            $file = if ($BackupFile) { $BackupFile }
            else { (Get-DatabaseBackup -Path $BackupPath -Verify | Where-Object Verification -eq Valid | Select-Object -First 1).Path }
            if (-not $file) { Write-Warning "No backup in $BackupPath passes its checksum."; exit 1 }
            Write-Host "Step 1: stopping $($api.Container)"
            $null = Stop-ServiceContainer -Name $api.Container -Confirm:$false
            Write-Host "Step 2: restoring $file"
            $refused = $null
            try { Restore-DatabaseBackup -Path $file -Inventory $Inventory -Name $database.Name -Confirm:$false | Format-List | Out-Host }
            catch { $refused = $_; Write-Warning "Refused: $($_.Exception.Message)" }
            Write-Host "Step 3: starting $($api.Container)"
            $null = Start-ServiceContainer -Name $api.Container -Confirm:$false
            if ($WhatIfPreference) { exit 0 }
            $null = Wait-ServiceHealth -Inventory $Inventory -TimeoutSec $StartupTimeoutSec
            Write-Host 'Step 4: every service is healthy'
            exit ([int][bool]$refused)
        }
        'KillQueries' {
            $long = @(Get-DatabaseActivity -Inventory $Inventory -Name $database.Name -State Active -MinDuration ([timespan]::FromSeconds($MinQueryDurationSec)))
            Write-Host "$($long.Count) active sessions running for more than $MinQueryDurationSec s"
            $long | Format-Table | Out-Host
            if ($long) { $long | Stop-DatabaseSession -Terminate -Confirm:$false | Format-Table | Out-Host }
            exit 0
        }
        'Diagnose' {
            # Pool exhaustion: connections against max_connections.
            Get-DatabaseActivity -Inventory $Inventory -Name $database.Name -Summary | Format-List | Out-Host
            # Memory leak: the containers' memory.
            $containers = @($services | Where-Object Container | ForEach-Object { $_.Container })
            Get-ServiceContainerStat -Name $containers -ErrorAction Continue | Format-Table | Out-Host
            # Disk full, and an expired certificate.
            $paths = @(if (Test-Path $DataPath) { Get-ServiceHealth -Path $DataPath })
            $ca = if ($CaCertificatePath) { @{ CaCertificatePath = $CaCertificatePath } } else { @{} }
            $certificates = @(if ($TlsUri) { Get-ServiceHealth -Uri $TlsUri -Name certificate @ca })
            $checks = @(Get-ServiceHealth -Inventory $Inventory) + $paths + $certificates
            $checks | Format-Table | Out-Host
            exit ([int][bool]($checks | Where-Object Status -ne Healthy))
        }
        'Recover' {
            # "docker-compose down; ... up -d postgres redis; sleep 15; up -d api; sleep 10; up -d nginx backup".
            Write-Host 'Step 1: stopping every service, the API first'
            Stop-ServiceStack -Inventory $Inventory -DrainSec 0 -Confirm:$false | Format-Table | Out-Host
            Write-Host 'Step 2: starting them in order, each when what it needs is ready'
            Start-ServiceStack -Inventory $Inventory -TimeoutSec $StartupTimeoutSec -Confirm:$false | Format-Table | Out-Host
            if ($WhatIfPreference) { exit 0 }
            $health = @(Get-ServiceHealth -Inventory $Inventory)
            $health | Format-Table | Out-Host
            exit ([int][bool]($health | Where-Object Status -ne Healthy))
        }
    }
}
$notify = [bool]($env:OPSRUNBOOK_INCIDENT_WEBHOOK -or $env:SLACK_WEBHOOK_URL -or $PSDefaultParameterValues.Keys -match 'WebhookUri')

# 1. Detection & alert
Write-Host 'Step 1: checking every service'
$health = @(Get-ServiceHealth -Inventory $Inventory)
$unhealthy = @($health | Where-Object Status -ne Healthy)
if (-not $unhealthy) {
    Write-Host "All $($health.Count) services are healthy: no incident."
    exit 0
}

# 2. Assess severity
$down = @($unhealthy | Where-Object Status -eq Unhealthy)
if (-not $Severity) {
    $Severity = if (($down | Where-Object Kind -eq Postgres) -or $down.Count -eq $health.Count) { 'P0' }
    elseif ($down.Count) { 'P1' }
    else { 'P2' }
}
Write-Host "Step 2: $($unhealthy.Count) of $($health.Count) services are not healthy ($(($unhealthy | ForEach-Object { "$($_.Name) $($_.Status)" }) -join ', ')): $Severity"

# 3. Create the incident, preserving evidence first
$incident = $unhealthy | Start-IncidentResponse -Severity $Severity -Commander $Commander -CollectEvidence -Inventory $Inventory -Notify:$notify
Write-Host "Step 3: opened $($incident.Id) ($($incident.Title)); respond by $($incident.ResponseDeadline.ToLocalTime().ToString('HH:mm')); $($incident.Evidence.Count) evidence files in $($incident.EvidencePath)"

# 4. Initial response
$services = (Import-PowerShellDataFile $Inventory).Services
$containers = @($services | Where-Object { $_.Name -in $incident.Services -and $_.Container } | ForEach-Object { $_.Container })
if ($Restart -and $containers) {
    $restarted = @(Restart-ServiceContainer -Name $containers -Confirm:$false -PassThru)
    $incident | Add-IncidentNote -Text "Step 4: restarted $($restarted.Name -join ', ')"
    Write-Host "Step 4: restarted $($restarted.Name -join ', ')"
}
else {
    Write-Host 'Step 4: no restart (-Restart restarts the affected containers)'
}

# 5. Investigate: the error lines of the last 30 minutes
foreach ($container in $containers) {
    try {
        $errors = @(Get-ServiceLog -Name $container -Since 30m -Level error, fatal)
        $first = if ($errors) { ": first '$($errors[0].Message)'" } else { '' }
        $incident | Add-IncidentNote -Text "Step 5: $container logged $($errors.Count) error lines in 30 minutes$first"
    }
    catch {
        $incident | Add-IncidentNote -Text "Step 5: the log of $container could not be read: $($_.Exception.Message)"
    }
}
Write-Host "Step 5: investigated the logs of $($containers.Count) containers"

# 6. Communicate
$null = $incident | Set-IncidentStatus -Status Investigating -Note "Evidence preserved; $(if ($restarted) { 'restarted ' + ($restarted.Name -join ', ') } else { 'no restart yet' }); waiting for recovery" -Notify:$notify
Write-Host 'Step 6: update sent'

# 7. Resolution: the stack recovers, or the incident stays open and escalates
$recovered = Wait-ServiceHealth -Inventory $Inventory -TimeoutSec $RecoveryTimeoutSec -ErrorAction SilentlyContinue -ErrorVariable notRecovered
if ($notRecovered) {
    $now = Get-Incident -Id $incident.Id
    $incident | Add-IncidentNote -Text "Step 7: not recovered within $RecoveryTimeoutSec s"
    Write-Warning "$($incident.Id) is still open; escalated to $($now.EscalationLevel); next: $($now.NextEscalation) at $($now.NextEscalationAt)"
    exit 1
}
Write-Host "Step 7: all $(@($recovered).Count) services are healthy again"

# 8. Verify: monitor
$null = $incident | Set-IncidentStatus -Status Monitoring -Note "All services healthy; monitoring for $MonitorSec s" -Notify:$notify
$until = [datetime]::UtcNow.AddSeconds($MonitorSec)
while ([datetime]::UtcNow -lt $until) {
    Start-Sleep -Seconds ([math]::Max(1, [math]::Min($MonitorIntervalSec, ($until - [datetime]::UtcNow).TotalSeconds)))
    $again = @(Get-ServiceHealth -Inventory $Inventory | Where-Object Status -ne Healthy)
    if ($again) {
        $null = $incident | Set-IncidentStatus -Status Investigating -Note "Failed again while monitored: $(($again | ForEach-Object { "$($_.Name) $($_.Status)" }) -join ', ')" -Notify:$notify
        Write-Warning "$($incident.Id) failed again while monitored."
        exit 1
    }
}
Write-Host "Step 8: healthy for $MonitorSec s"

# 9. Post-mortem
$closed = $incident | Close-Incident -Resolution "Recovered$(if ($restarted) { ' after restarting ' + ($restarted.Name -join ', ') }); verified for $MonitorSec s" -RootCause $RootCause -Notify:$notify
$null = New-Item -ItemType Directory -Force $ReportPath
$report = $closed | Export-IncidentReport -Path $ReportPath -Force
Write-Host "Step 9: resolved after $([OpsRunbook.DurationText]::Format($closed.Duration)); post-mortem in $($report.FullName)$(if ($closed.PostMortemDueAt) { ', due by ' + $closed.PostMortemDueAt.ToLocalTime().ToString('yyyy-MM-dd HH:mm') })"
$closed | Format-Table | Out-Host
exit 0
