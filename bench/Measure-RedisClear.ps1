<#
.SYNOPSIS
Section 7 of bench/Invoke-Benchmark.ps1: Clear-RedisCache against the runbooks' own ways of clearing a cache, in the
same run, on a redis-server of its own (started here, stopped by its process id).

Each round fills 1,000,000 keys matching cache:market:* among 1,200,000 (DEBUG POPULATE), then clears them with
  - redis-cli --scan --pattern 'cache:market:*' | xargs -n 1000 redis-cli unlink   (the non-blocking baseline)
  - redis-cli KEYS 'cache:market:*' | xargs redis-cli DEL                          (the runbooks' command)
  - Clear-RedisCache -Pattern 'cache:market:*'
while a second client (bench/RedisPinger.ps1, its own process) PINGs every 2 ms. After each clear, redis-cli checks
that exactly the 1,000,000 keys are gone and the 200,000 others are there. Reports medians, keys per second, the
ratio to the --scan pipeline (goal: at least 3x) and the longest PING wait of each method (goal: under 10 ms for
Clear-RedisCache). Needs the module imported and OPSRUNBOOK_TEST_PASSWORD (the test bed's), used as this server's password.
#>
[CmdletBinding()]
param(
    [int]$Rounds = 3,
    [int]$MatchingKeys = 1000000,
    [int]$OtherKeys = 200000
)

$ErrorActionPreference = 'Stop'
$password = $env:OPSRUNBOOK_TEST_PASSWORD
if (-not $password) { throw 'OPSRUNBOOK_TEST_PASSWORD is not set: run through dotnet pwsh ./build.ps1 -Task Bench.' }
$pattern = 'cache:market:*'
$work = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-redis-$PID"
$null = New-Item -ItemType Directory -Force $work

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

$port = Get-FreePort
$config = Join-Path $work 'redis.conf'
# The password stays in this private file; redis-cli gets it from REDISCLI_AUTH, never on a command line.
# The latency monitor records every command that holds the server 1 ms or more: the server's own account of blocking.
@('bind 127.0.0.1', "port $port", "dir $work", 'save ""', 'appendonly no', "logfile $work/redis.log", 'enable-debug-command yes',
    'latency-monitor-threshold 1', "requirepass $password") | Set-Content $config
& chmod 600 $config
$server = Start-Process -FilePath (Get-Command redis-server).Source -ArgumentList $config -PassThru `
    -RedirectStandardOutput (Join-Path $work 'stdout.log') -RedirectStandardError (Join-Path $work 'stderr.log')
$url = "redis://:$([uri]::EscapeDataString($password))@127.0.0.1:$port"
$savedAuth = $env:REDISCLI_AUTH
$env:REDISCLI_AUTH = $password

function Invoke-Cli { $output = & redis-cli -h 127.0.0.1 -p $port --no-auth-warning @args; if ($LASTEXITCODE) { throw "redis-cli $args failed" }; $output }
function Get-MatchCount([string]$Match) { [int](& bash -c "redis-cli -h 127.0.0.1 -p $port --no-auth-warning --scan --pattern '$Match' | wc -l") }

# The longest a single command held the server since LATENCY RESET (LATENCY LATEST: name, time, latest, max per event).
function Get-LongestCommandMs {
    $lines = @(Invoke-Cli LATENCY LATEST)
    $longest = 0
    for ($i = 0; $i + 3 -lt $lines.Count; $i += 4) {
        if ($lines[$i] -in 'command', 'fast-command') { $longest = [math]::Max($longest, [int]$lines[$i + 3]) }
    }
    $longest
}

function Initialize-Keys {
    $null = Invoke-Cli FLUSHALL
    $null = Invoke-Cli DEBUG POPULATE $MatchingKeys 'cache:market'
    $null = Invoke-Cli DEBUG POPULATE $OtherKeys 'session'
    $size = [int](Invoke-Cli DBSIZE)
    if ($size -ne $MatchingKeys + $OtherKeys) { throw "The fill made $size keys, not $($MatchingKeys + $OtherKeys)." }
}

# Exactly the matching keys are gone, every other key is there: DBSIZE, and a --scan of each kind.
function Test-Cleared {
    $size = [int](Invoke-Cli DBSIZE)
    $left = Get-MatchCount $pattern
    $others = Get-MatchCount 'session:*'
    [pscustomobject]@{ Exact = ($size -eq $OtherKeys -and $left -eq 0 -and $others -eq $OtherKeys); Size = $size; Left = $left; Others = $others }
}

$methods = [ordered]@{
    # The noise floor: what PING waits when nothing but the machine's own load runs.
    'nothing (an idle server, for comparison)' = {
        Start-Sleep -Milliseconds 1500
        $MatchingKeys
    }
    'redis-cli --scan | xargs -n 1000 redis-cli unlink' = {
        & bash -c "redis-cli -h 127.0.0.1 -p $port --no-auth-warning --scan --pattern '$pattern' | xargs -n 1000 redis-cli -h 127.0.0.1 -p $port --no-auth-warning unlink > /dev/null"
        if ($LASTEXITCODE) { throw 'The --scan pipeline failed.' }
        $MatchingKeys + $OtherKeys - [int](Invoke-Cli DBSIZE)
    }
    'redis-cli KEYS | xargs redis-cli DEL (the runbooks)' = {
        & bash -c "redis-cli -h 127.0.0.1 -p $port --no-auth-warning KEYS '$pattern' | xargs redis-cli -h 127.0.0.1 -p $port --no-auth-warning DEL > /dev/null"
        if ($LASTEXITCODE) { throw 'The KEYS pipeline failed.' }
        $MatchingKeys + $OtherKeys - [int](Invoke-Cli DBSIZE)
    }
    'Clear-RedisCache -Pattern cache:market:*' = {
        (Clear-RedisCache -ConnectionString $url -Pattern $pattern -Confirm:$false).Deleted
    }
}

$stopFile = Join-Path $work 'stop'
$samplesFile = Join-Path $work 'pings.csv'
$readyFile = Join-Path $work 'ready'
$pinger = $null
try {
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    while ($(try { Invoke-Cli PING 2>$null } catch { $null }) -ne 'PONG') {
        if ([datetime]::UtcNow -gt $deadline) { throw "redis-server did not start: $(Get-Content "$work/redis.log" -Tail 5)" }
        Start-Sleep -Milliseconds 50
    }

    # Warm the session once (JIT, first connection), as an operator's second command would be.
    $null = Invoke-Cli DEBUG POPULATE 10000 'cache:market'
    $null = Clear-RedisCache -ConnectionString $url -Pattern $pattern -Confirm:$false

    $env:OPSRUNBOOK_BENCH_REDIS_PASSWORD = $password
    try {
        $pinger = Start-Process -FilePath (Get-Command dotnet).Source -PassThru `
            -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'RedisPinger.ps1'),
                '-Port', $port, '-StopFile', $stopFile, '-OutFile', $samplesFile, '-ReadyFile', $readyFile) `
            -RedirectStandardOutput (Join-Path $work 'pinger.out.log') -RedirectStandardError (Join-Path $work 'pinger.err.log')
    }
    finally { Remove-Item Env:OPSRUNBOOK_BENCH_REDIS_PASSWORD }
    # The instrument must not be the one kept waiting: on a busy machine a PING answered in time is read late when the
    # pinger is not scheduled. A higher priority for it alone measures the server, for every method alike.
    & renice -n -10 -p $pinger.Id > $null 2>&1
    $deadline = [datetime]::UtcNow.AddSeconds(60)
    while (-not (Test-Path $readyFile)) {
        if ([datetime]::UtcNow -gt $deadline -or $pinger.HasExited) { throw "The pinger did not start: $(Get-Content (Join-Path $work 'pinger.err.log') -Raw)" }
        Start-Sleep -Milliseconds 100
    }

    # Rounds interleave the methods, so that the machine's noise falls on all of them alike.
    $runs = [System.Collections.Generic.List[object]]::new()
    foreach ($round in 1..$Rounds) {
        foreach ($name in $methods.Keys) {
            if ($name -notlike 'nothing*') { Initialize-Keys }
            Start-Sleep -Milliseconds 200
            $null = Invoke-Cli LATENCY RESET
            $start = [datetime]::UtcNow.Ticks
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $deleted = & $methods[$name]
            $clock.Stop()
            $end = [datetime]::UtcNow.Ticks
            $longest = Get-LongestCommandMs
            $check = if ($name -like 'nothing*') { [pscustomobject]@{ Exact = $true } } else { Test-Cleared }
            $runs.Add([pscustomobject]@{ Method = $name; Round = $round; Ms = $clock.Elapsed.TotalMilliseconds; Deleted = [long]$deleted; Check = $check; Start = $start; End = $end
                    LongestCommandMs = $longest })
            if ($name -notlike 'nothing*') {
                Write-Host ("  round {0}: {1,-52} {2,8:N0} ms, {3:N0} deleted, {4}" -f $round, $name, $clock.Elapsed.TotalMilliseconds, $deleted,
                    $(if ($check.Exact) { "exactly $MatchingKeys gone, $OtherKeys others intact" } else { "WRONG: DBSIZE $($check.Size), $($check.Left) matching left, $($check.Others) others" }))
            }
        }
    }

    New-Item -ItemType File $stopFile | Out-Null
    if (-not $pinger.WaitForExit(60000)) { throw 'The pinger did not stop within 60 s.' }
    $samples = Get-Content $samplesFile | ForEach-Object { $parts = $_.Split(','); [pscustomobject]@{ Sent = [long]$parts[0]; Micros = [long]$parts[1] } }

    $rows = foreach ($name in $methods.Keys) {
        $mine = @($runs | Where-Object Method -eq $name)
        $median = ($mine.Ms | Sort-Object)[[math]::Floor($mine.Count / 2)]
        # Every PING that was waiting at some moment of the method's runs (sent before its end, answered after its start).
        $waits = @(foreach ($run in $mine) { $samples.Where({ $_.Sent -le $run.End -and $_.Sent + $_.Micros * 10 -ge $run.Start }) })
        $idleRow = $name -like 'nothing*'
        [pscustomobject]@{
            Method         = $name
            'Median ms'    = if ($idleRow) { $null } else { [math]::Round($median) }
            'Keys/s'       = if ($idleRow) { $null } else { [math]::Round($MatchingKeys / ($median / 1000)) }
            Exact          = if ($idleRow) { '' } elseif (@($mine | Where-Object { -not $_.Check.Exact -or $_.Deleted -ne $MatchingKeys }).Count -eq 0) { 'yes' } else { 'NO' }
            PINGs          = $waits.Count
            'Max PING ms'  = if ($waits.Count) { [math]::Round((($waits.Micros | Measure-Object -Maximum).Maximum) / 1000, 2) } else { $null }
            'p99 PING ms'  = if ($waits.Count) { [math]::Round((($waits.Micros | Sort-Object)[[math]::Floor($waits.Count * 0.99)]) / 1000, 2) } else { $null }
            'PINGs > 10 ms' = @($waits | Where-Object Micros -gt 10000).Count
            'Longest command ms' = ($mine.LongestCommandMs | Measure-Object -Maximum).Maximum
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 250 | Out-Host

    $idle = $rows[0]; $scan = $rows[1]; $keys = $rows[2]; $ours = $rows[3]
    $ratio = $scan.'Median ms' / $ours.'Median ms'
    Write-Host ("Clear-RedisCache against the --scan pipeline: {0:0.00}x faster (goal: at least 3x) {1}" -f $ratio, $(if ($ratio -ge 3) { 'MET' } else { 'NOT MET' }))
    Write-Host ("Clear-RedisCache against KEYS | xargs DEL: {0:0.00}x the speed" -f ($keys.'Median ms' / $ours.'Median ms'))
    Write-Host ("Exactly {0:N0} deleted and the other {1:N0} intact, every run of every method: {2}" -f $MatchingKeys, $OtherKeys,
        $(if (@($rows | Select-Object -Skip 1 | Where-Object Exact -ne 'yes').Count -eq 0) { 'MET' } else { 'NOT MET' }))
    Write-Host ("Longest PING wait during Clear-RedisCache: {0} ms (goal: under 10 ms) {1}; --scan pipeline {2} ms; KEYS | DEL {3} ms" -f `
        $ours.'Max PING ms', $(if ($ours.'Max PING ms' -lt 10) { 'MET' } else { 'NOT MET' }), $scan.'Max PING ms', $keys.'Max PING ms')
    Write-Host ("Longest PING wait with nothing running (the machine's own noise): {0} ms" -f $idle.'Max PING ms')
    Write-Host ("Longest single command on the server (its latency monitor, 1 ms threshold): Clear-RedisCache {0} ms, --scan pipeline {1} ms, KEYS | DEL {2} ms" -f `
        $ours.'Longest command ms', $scan.'Longest command ms', $keys.'Longest command ms')
}
finally {
    if ($pinger -and -not $pinger.HasExited) {
        New-Item -ItemType File $stopFile -Force | Out-Null
        if (-not $pinger.WaitForExit(10000)) { & kill -KILL $pinger.Id 2>$null }
    }
    if (-not $server.HasExited) {
        & kill -TERM $server.Id 2>$null
        if (-not $server.WaitForExit(20000)) { & kill -KILL $server.Id 2>$null }
    }
    if ($null -eq $savedAuth) { Remove-Item Env:REDISCLI_AUTH -ErrorAction Ignore } else { $env:REDISCLI_AUTH = $savedAuth }
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
