<#
.SYNOPSIS
Seed 000 (Portfolio Advisor), "Startup Procedures" and "Health Checks", as a runbook script.

.DESCRIPTION
The runbook starts PostgreSQL and Redis, sleeps 15 seconds, runs pg_isready and redis-cli ping, starts the
API, sleeps again and curls /health/ready. This script waits for each layer instead of sleeping, in the
order the inventory's DependsOn gives, then runs the liveness and readiness checks and prints the table.

Starting the containers themselves (docker compose up -d postgres redis, then api) comes with the container
cmdlets; until then start them as you do today and let this script do the waiting and checking.

Exits 0 when every service is healthy, 1 otherwise, so a scheduler or CI job can act on it.

.EXAMPLE
$env:PORTFOLIO_PG_PASSWORD = '...'; $env:PORTFOLIO_REDIS_PASSWORD = '...'
./portfolio-advisor-health.ps1 -Inventory ./portfolio-advisor.stack.psd1
#>
[CmdletBinding()]
param(
    [string]$Inventory = (Join-Path $PSScriptRoot 'portfolio-advisor.stack.psd1'),
    [int]$StartupTimeoutSec = 60
)

$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook

# Startup step 1: infrastructure first. "sleep 15; pg_isready; redis-cli ping" becomes one bounded wait.
Write-Host 'Step 1: waiting for PostgreSQL and Redis'
$null = Wait-ServiceHealth -Inventory $Inventory -Tag infrastructure -TimeoutSec $StartupTimeoutSec

# Startup step 3: the API, which needs both. "sleep 10; curl /health/ready" becomes a wait for readiness.
Write-Host 'Step 3: waiting for the API to be ready'
$null = Wait-ServiceHealth -Inventory $Inventory -Name api -TimeoutSec $StartupTimeoutSec

# Health checks: liveness, readiness with its per-dependency checks, and every component directly.
Write-Host 'Health checks'
$health = Get-ServiceHealth -Inventory $Inventory | Sort-Object Name
$health | Format-Table | Out-Host

$readiness = $health | Where-Object Name -eq 'api'
Write-Host "Readiness checks reported by the API (version $($readiness.Version)):"
$readiness.Components | Format-Table | Out-Host

$unhealthy = @($health | Where-Object Status -ne 'Healthy')
if ($unhealthy.Count) {
    $unhealthy | ForEach-Object { Write-Warning "$($_.Name) is $($_.Status): $($_.Error)" }
    exit 1
}
Write-Host "All $($health.Count) services are healthy."
exit 0
