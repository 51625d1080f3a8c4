<#
.SYNOPSIS
Runs portfolio-advisor.ps1 against the local stack that build.ps1 -Task Demo started (PostgreSQL,
Redis and an HTTP service with /health/ready on loopback), through an inventory pointing at it.
#>
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
$demo = Join-Path $env:OPSRUNBOOK_TEST_ROOT 'demo'
$null = New-Item -ItemType Directory -Force $demo

# The sample inventory, pointed at the local stack's ports.
$pg = $env:OPSRUNBOOK_TEST_PG_PORT
$inventory = (Get-Content (Join-Path $PSScriptRoot 'portfolio-advisor.stack.psd1') -Raw).
    Replace('postgres://postgres@localhost:5432/portfolio_advisor', "postgres://opsrunbook@127.0.0.1:$pg/opsrunbook").
    Replace('localhost:6379', "127.0.0.1:$($env:OPSRUNBOOK_TEST_REDIS_PORT)").
    Replace('http://localhost:8000', $env:OPSRUNBOOK_TEST_HTTP_URL)
$path = Join-Path $demo 'stack.psd1'
Set-Content $path $inventory

$env:PORTFOLIO_PG_PASSWORD = $env:OPSRUNBOOK_TEST_PASSWORD
$env:PORTFOLIO_REDIS_PASSWORD = $env:OPSRUNBOOK_TEST_PASSWORD
$env:PSModulePath = (Join-Path $root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
& (Join-Path $PSScriptRoot 'portfolio-advisor.ps1') -Inventory $path
if ($LASTEXITCODE) { throw "The health runbook reported unhealthy services (exit $LASTEXITCODE)." }
