<#
.SYNOPSIS
Seed 003 (Multi-Agent RAG Orchestrator) as a runbook script: health checks of many components, the backup set taken
before every deployment, rollback.sh, the "Complete Service Outage" procedure, the quarterly DR test, and database
maintenance.

.DESCRIPTION
-Procedure chooses what to run:

  Health            ./scripts/health-check.sh and the component checks (redis-cli ping, pg_isready, curl of each
                    /health): Get-ServiceHealth over the inventory, every service at once. Exits 1 when any is not
                    healthy.
  BeforeDeployment  The backup set deploy.sh takes (redis-cli SAVE and docker cp of dump.rdb, pg_dumpall, the
                    configuration files): New-RollbackPoint, keeping the last -KeepLast.
  Rollback          ./scripts/rollback.sh [TIMESTAMP]: Invoke-Rollback to -Timestamp, or to the newest point
                    New-RollbackPoint took. Exits 1 when the stack is not healthy afterwards.
  Outage            "Complete Service Outage": 1. check all services; 2. restart them (docker-compose restart) and
                    wait for health; 3. if still failing, roll back to the latest point; 4. read the logs for errors.
                    It runs as a P1 incident ("failed deployment"): every command lands on the incident's timeline,
                    and the incident is closed with its post-mortem written into -ReportPath. Exits 1 when the stack
                    is still not healthy, with the safety point to return to.
  DrTest            The quarterly DR test ("rollback.sh LATEST" into a test environment, then smoke tests): the
                    latest point verified, its databases and Redis data restored into the scratch stack of
                    -ScratchInventory, then every service of it checked and its tables counted. Exits 1 on failure.
  Maintenance       "Check Database Size" and "Vacuum Database": the database and its largest tables with their
                    bloat, then VACUUM ANALYZE (and REINDEX with -Reindex).

Everything that changes state honours -WhatIf. Where the runbook would have the operator confirm, this script does
not ask (-Confirm:$false): it is the operator's decision to run it, and it runs unattended too.

.EXAMPLE
$env:RAG_PG_PASSWORD = '...'; $env:RAG_REDIS_PASSWORD = '...'
./rag-orchestrator.ps1 -Procedure BeforeDeployment -Inventory ./rag-orchestrator.stack.psd1 -BackupPath ./backups -Name 'before 2.4.0'

.EXAMPLE
./rag-orchestrator.ps1 -Procedure Outage -Inventory ./rag-orchestrator.stack.psd1 -BackupPath ./backups -ReportPath ./postmortems

.EXAMPLE
./rag-orchestrator.ps1 -Procedure DrTest -BackupPath ./backups -ScratchInventory ./scratch.stack.psd1
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)]
    [ValidateSet('Health', 'BeforeDeployment', 'Rollback', 'Outage', 'DrTest', 'Maintenance')]
    [string]$Procedure,
    [string]$Inventory = (Join-Path $PSScriptRoot 'rag-orchestrator.stack.psd1'),
    # Where the backup sets live (seed 003's backups/).
    [string]$BackupPath = './backups',
    # BeforeDeployment: what the point is for. Rollback: the point to return to (latest when not given).
    [string]$Name,
    [string]$Timestamp,
    [int]$KeepLast = 10,
    # DrTest: the inventory of the scratch stack, its services named as in -Inventory.
    [string]$ScratchInventory,
    # How long a restart is given to bring the stack back before the rollback (Outage).
    [int]$RestartTimeoutSec = 60,
    [int]$TimeoutSec = 300,
    [string]$ReportPath = '.',
    [switch]$Reindex
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook

function Write-Step([string]$Text) { Write-Host "== $Text" }

# Tables as wide as they need, in a console or not (a scheduler's log has no width).
function Show-Table([object[]]$Property) {
    $columns = if ($Property) { @{ Property = $Property } } else { @{} }
    $input | Format-Table -AutoSize @columns | Out-String -Width 200 | Out-Host
}
$stepColumns = 'Number', 'Action', 'Service', 'Result', @{ Name = 'Seconds'; Expression = { [math]::Round($_.Duration.TotalSeconds, 1) } }

function Get-Unhealthy([string]$From) {
    $health = @(Get-ServiceHealth -Inventory $From | Sort-Object Name)
    $health | Show-Table
    @($health | Where-Object Status -ne Healthy)
}

function Invoke-StackRollback([string]$To) {
    # rollback.sh: the whole stack back to a point; the steps as a table, the safety point named by any failure.
    $point = if ($To) { @{ Timestamp = $To } } else { @{ Latest = $true } }
    $steps = @(Invoke-Rollback -Path $BackupPath -Inventory $Inventory -Confirm:$false -TimeoutSec $TimeoutSec @point)
    $steps | Show-Table -Property $stepColumns
    $steps
}

switch ($Procedure) {
    'Health' {
        Write-Step 'Health of every component'
        $unhealthy = Get-Unhealthy $Inventory
        if ($unhealthy) {
            $unhealthy | ForEach-Object { Write-Warning "$($_.Name) is $($_.Status): $($_.Error)" }
            exit 1
        }
        Write-Host 'Every service is healthy.'
    }

    'BeforeDeployment' {
        Write-Step "Backup set before the deployment, in $BackupPath (the last $KeepLast kept)"
        $label = if ($Name) { @{ Name = $Name } } else { @{} }
        $point = New-RollbackPoint -Inventory $Inventory -Path $BackupPath -KeepLast $KeepLast @label
        if ($point) {
            $point | Format-List Timestamp, Name, Components, Path | Out-Host
            $point.Items | Show-Table
            Write-Host "To return to it: ./rag-orchestrator.ps1 -Procedure Rollback -Timestamp $($point.Timestamp)"
        }
    }

    'Rollback' {
        Write-Step "Rollback to $(if ($Timestamp) { $Timestamp } else { 'the latest point' }) of $BackupPath"
        $null = Invoke-StackRollback $Timestamp
        if ($WhatIfPreference) { break }
        if (Get-Unhealthy $Inventory) { exit 1 }
        Write-Host 'Rolled back; every service is healthy.'
    }

    'Outage' {
        Write-Step '1. Check all services'
        $unhealthy = Get-Unhealthy $Inventory
        if (-not $unhealthy) {
            Write-Host 'Every service is healthy: no outage.'
            exit 0
        }
        $incident = $unhealthy | Start-IncidentResponse -Severity P1 -Title "Service outage: $($unhealthy.Name -join ', ') not healthy" -Inventory $Inventory
        if ($incident) { Write-Host "Opened $($incident.Id): $($incident.Title)" }

        Write-Step '2. Restart all services (docker-compose restart)'
        $containers = @((Import-PowerShellDataFile $Inventory).Services | Where-Object Container | ForEach-Object Container)
        $null = Restart-ServiceContainer -Name $containers -Confirm:$false
        $null = Wait-ServiceHealth -Inventory $Inventory -TimeoutSec $RestartTimeoutSec -ErrorAction SilentlyContinue -ErrorVariable stillFailing
        $resolution = 'Recovered after restarting every service'
        $rootCause = 'Unknown: the services recovered on restart'
        if ($stillFailing) {
            Write-Step '3. Still failing after the restart: roll back to the latest point'
            $steps = Invoke-StackRollback $null
            $to = ($steps | Where-Object Action -eq 'Verify the restore point').Service
            $resolution = "Rolled back to restore point $to"
            $rootCause = "The deployment after restore point ${to}: $(($stillFailing | ForEach-Object { $_.Exception.Message }) -join '; ')"
        }

        Write-Step '4. Check logs'
        foreach ($container in $containers) {
            $errors = @(Get-ServiceLog -Name $container -Since 30m -Level error, fatal -ErrorAction SilentlyContinue)
            Write-Host "$container`: $($errors.Count) error lines in the last 30 minutes"
        }
        if ($WhatIfPreference) { break }

        $unhealthy = Get-Unhealthy $Inventory
        if ($unhealthy) {
            Write-Warning "$($incident.Id) stays open: $($unhealthy.Name -join ', ') still not healthy. Get-RollbackPoint -Path $BackupPath lists the safety point to return to."
            exit 1
        }
        $closed = $incident | Close-Incident -Resolution $resolution -RootCause $rootCause
        $null = New-Item -ItemType Directory -Force $ReportPath
        $report = $closed | Export-IncidentReport -Path $ReportPath -Force
        Write-Host "Resolved $($closed.Id) after $([OpsRunbook.DurationText]::Format($closed.Duration)): $resolution. Post-mortem: $($report.FullName)"
    }

    'DrTest' {
        if (-not $ScratchInventory) { throw 'DrTest restores into a scratch stack: give -ScratchInventory, the inventory of a test environment.' }
        Write-Step "1. The latest point of $BackupPath, verified"
        $latest = Get-RollbackPoint -Path $BackupPath -Latest -Verify
        $latest | Show-Table
        if ($latest.Verification -ne 'Valid') {
            Write-Warning "DR test failed: the latest point $($latest.Timestamp) is $($latest.Verification): $($latest.Problems -join '; ')"
            exit 1
        }
        Write-Step '2. Deploy from backup: its data into the scratch stack'
        $latest | Invoke-Rollback -Inventory $ScratchInventory -Component Database, Redis -Confirm:$false -TimeoutSec $TimeoutSec |
            Show-Table -Property $stepColumns
        if ($WhatIfPreference) { break }
        Write-Step '3. Smoke tests'
        $unhealthy = Get-Unhealthy $ScratchInventory
        Get-DatabaseSize -Inventory $ScratchInventory -Table -Top 10 | Show-Table
        if ($unhealthy) {
            Write-Warning "DR test failed: $($unhealthy.Name -join ', ') not healthy on the restored stack."
            exit 1
        }
        Write-Host "DR test passed: restore point $($latest.Timestamp) restores, and the restored stack is healthy."
    }

    'Maintenance' {
        Write-Step 'Database size and the largest tables'
        Get-DatabaseSize -Inventory $Inventory | Show-Table
        Get-DatabaseSize -Inventory $Inventory -Table -Top 10 | Show-Table
        $operations = @('Vacuum', 'Analyze') + $(if ($Reindex) { 'Reindex' })
        Write-Step "$($operations -join ' and ')"
        Invoke-DatabaseMaintenance -Inventory $Inventory -Operation $operations -Confirm:$false | Show-Table
    }
}
exit 0
