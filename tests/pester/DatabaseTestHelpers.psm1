# Shared by the database Pester files: psql sessions that sleep, hold locks or wait for them, psql as the
# witness of what the cmdlets did, and unique test tables. The password goes to psql by environment only.
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

function Get-TestDatabaseUrl {
    <# The test database as the seeds' applications address it: a postgres:// URL with the password. #>
    param([string]$User)
    $bed = Get-TestBed
    if (-not $User) { $User = $bed.PG_USER }
    "postgres://$($User):$([uri]::EscapeDataString($bed.PASSWORD))@$($bed.PG_HOST):$($bed.PG_PORT)/$($bed.PG_DATABASE)"
}

function New-TestPsqlStartInfo([string]$User, [string]$Application) {
    $bed = Get-TestBed
    $info = [System.Diagnostics.ProcessStartInfo]::new((Join-Path $bed.PG_BIN 'psql'))
    foreach ($argument in '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', $bed.PG_HOST, '-p', $bed.PG_PORT, '-U', $(if ($User) { $User } else { $bed.PG_USER }), '-d', $bed.PG_DATABASE) {
        $info.ArgumentList.Add($argument)
    }
    $info.Environment['PGPASSWORD'] = $bed.PASSWORD
    $info.Environment['PGAPPNAME'] = $(if ($Application) { $Application } else { 'OpsRunbook Pester' })
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info
}

function Invoke-TestPsql {
    <# Runs SQL in psql and returns its unaligned output; throws with psql's message when it fails. #>
    param([Parameter(Mandatory)][string]$Sql, [string]$User)
    $process = [System.Diagnostics.Process]::Start((New-TestPsqlStartInfo $User))
    $process.StandardInput.WriteLine($Sql)
    $process.StandardInput.Close()
    $errors = $process.StandardError.ReadToEndAsync()
    $output = $process.StandardOutput.ReadToEnd()
    if (-not $process.WaitForExit(30000)) { $process.Kill($true); throw "psql did not finish within 30 s: $Sql" }
    if ($process.ExitCode -ne 0) { throw "psql failed ($($process.ExitCode)): $($errors.Result)" }
    ($output -split "`r?`n" | Where-Object { $_ -ne '' })
}

function Start-TestPsqlSession {
    <#
    Starts psql with an application_name of its own and feeds it SQL; its stdin stays open, so a session
    that ends idle in a transaction keeps its locks. Returns the process; Stop-TestPsqlSession ends it.
    #>
    param([Parameter(Mandatory)][string]$Application, [Parameter(Mandatory)][string[]]$Sql, [string]$User)
    $process = [System.Diagnostics.Process]::Start((New-TestPsqlStartInfo $User $Application))
    foreach ($line in $Sql) { $process.StandardInput.WriteLine($line) }
    $process.StandardInput.Flush()
    $process
}

function Stop-TestPsqlSession {
    <# Ends psql sessions the test started: by closing their input, then by process id. #>
    param([Parameter(ValueFromPipeline)][System.Diagnostics.Process[]]$Process)
    process {
        foreach ($p in $Process | Where-Object { $_ }) {
            try { $p.StandardInput.Close() } catch { }
            if (-not $p.WaitForExit(5000)) { $p.Kill($true); $null = $p.WaitForExit(5000) }
            $p.Dispose()
        }
    }
}

function Get-TestSessionPid {
    <# The backend pids of the sessions with this application_name, as psql sees them. #>
    param([Parameter(Mandatory)][string]$Application, [string]$Where = 'true')
    @(Invoke-TestPsql "SELECT pid FROM pg_stat_activity WHERE application_name = '$Application' AND $Where ORDER BY backend_start" -User postgres | ForEach-Object { [int]$_ })
}

function Wait-TestCondition {
    <# Polls until the condition holds, at most -TimeoutSec; throws naming what did not happen. #>
    param([Parameter(Mandatory)][scriptblock]$Condition, [Parameter(Mandatory)][string]$What, [int]$TimeoutSec = 15)
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
    while ([datetime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 100
    }
    throw "$What did not happen within $TimeoutSec s."
}

function New-TestTableName([string]$Prefix = 't') { "orb_$($Prefix)_$([guid]::NewGuid().ToString('N').Substring(0, 10))" }

function Start-TestBlockingScene {
    <#
    The issue's scene under one application_name: a session holding a lock in an open transaction, one
    blocked by it, and one sleeping in pg_sleep. Returns their pids, processes and the table; Stop-TestBlockingScene ends it.
    #>
    $application = New-TestTableName 'app'
    $table = New-TestTableName 'locked'
    $null = Invoke-TestPsql "CREATE TABLE $table (id int); INSERT INTO $table VALUES (1);"
    $holder = Start-TestPsqlSession $application 'BEGIN;', "LOCK TABLE $table IN ACCESS EXCLUSIVE MODE;", "SELECT 'locked';"
    Wait-TestCondition { $holder.StandardOutput.ReadLine() -eq 'locked' } 'the lock'
    Start-Sleep -Milliseconds 300
    $waiter = Start-TestPsqlSession $application "SELECT count(*) FROM $table;"
    $sleeper = Start-TestPsqlSession $application "SELECT pg_sleep(60) /* runaway-report */;"
    $scene = [pscustomobject]@{ Application = $application; Table = $table; Holder = $holder; Waiter = $waiter; Sleeper = $sleeper
        HolderPid = 0; WaiterPid = 0; SleeperPid = 0 }
    Wait-TestCondition {
        @(Get-TestSessionPid $application "(wait_event_type = 'Lock' OR wait_event = 'PgSleep')").Count -eq 2
    } 'the blocked and the sleeping query'
    $scene.HolderPid = (Get-TestSessionPid $application "state = 'idle in transaction'")[0]
    $scene.WaiterPid = (Get-TestSessionPid $application "wait_event_type = 'Lock'")[0]
    $scene.SleeperPid = (Get-TestSessionPid $application "wait_event = 'PgSleep'")[0]
    $scene
}

function Stop-TestBlockingScene {
    param([Parameter(Mandatory)]$Scene)
    $null = Invoke-TestPsql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$($Scene.Application)'" -User postgres
    $Scene.Holder, $Scene.Waiter, $Scene.Sleeper | Stop-TestPsqlSession
    $null = Invoke-TestPsql "DROP TABLE IF EXISTS $($Scene.Table)" -User postgres
}

function New-TestBloatedTable {
    <# A table whose every row was updated twice, never vacuumed, then analyzed: two thirds of its heap is dead rows. #>
    param([int]$Rows = 20000)
    $table = New-TestTableName 'bloat'
    $null = Invoke-TestPsql (@(
        "CREATE TABLE $table (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);"
        "INSERT INTO $table SELECT g, repeat('a', 80) FROM generate_series(1, $Rows) g;"
        "UPDATE $table SET payload = repeat('b', 80);"
        "UPDATE $table SET payload = repeat('c', 80);"
        "ANALYZE $table;") -join "`n")
    $table
}

Export-ModuleMember -Function Get-TestDatabaseUrl, Invoke-TestPsql, Start-TestPsqlSession, Stop-TestPsqlSession, Get-TestSessionPid,
    Wait-TestCondition, New-TestTableName, Start-TestBlockingScene, Stop-TestBlockingScene, New-TestBloatedTable
