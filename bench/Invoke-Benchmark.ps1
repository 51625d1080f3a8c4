<#
.SYNOPSIS
The benchmarks behind the README's Performance section, each against the runbooks' own commands measured in
the same run. Run with: dotnet pwsh ./build.ps1 -Task Bench (it starts the test bed and builds first).

1. Get-ServiceHealth over 500 HTTP targets with 20 ms latency plus PostgreSQL and Redis, against the
   sequential curl / pg_isready / redis-cli loop. Goals: at least 30x faster; wall time within 1.5x of the
   slowest single probe.
2. Import-Module plus the first Get-ServiceHealth in a new pwsh, against importing an empty binary module.
3. Start-ServiceStack against seed 000's startup procedure with its sleeps.
4. Invoke-DatabaseBackup and Restore-DatabaseBackup against pg_dump | sha256sum and pg_restore.
5. Search-ServiceLog over the test bed's 1,000,000-line JSON log against seed 004's grep | jq pipelines for its four
   queries. Goal: at most 1.0x each; memory flat in the file size (peak working set for 300 MB and 30 MB).
6. Add-IncidentNote into the folder store and the PostgreSQL store, one after another and from 10 runspaces at once,
   against how a timeline is kept by hand: echo "$(date) note" >> incident.log, and one psql INSERT per note. No goal:
   reported (each note is locked, stamped and flushed to disk, or committed, before the next).
7. Clear-RedisCache of 1,000,000 keys among 1,200,000 against `redis-cli --scan | xargs redis-cli unlink` and the
   runbooks' `KEYS | xargs DEL`, while a second client PINGs (bench/Measure-RedisClear.ps1). Goals: at least 3x the
   --scan pipeline, exact counts, no PING waiting over 10 ms.
8. Invoke-Rollback of a stack in containers with a 1 GB database and 1,000,000 Redis keys, against seed 003's
   rollback.sh for the same data (dropdb + psql < pg_dumpall, docker cp dump.rdb and a restart). Goal: faster, with
   its verification and safety point included.
9. Seed 000, fault to Healthy: PostgreSQL and the API of a real stack killed, then samples/portfolio-advisor.ps1
   -Procedure Respond in a new pwsh (detect, open a P1 with evidence, read the logs, start the stack in order, wait,
   close, write the post-mortem) against the seed's own shell procedure (docker start, sleep 15, pg_isready,
   redis-cli ping, docker start api, sleep 10, curl /health/ready). Rounds take turns going first; medians.
10. Seed 003's "complete service outage" after a failed deployment, fault to Healthy: samples/rag-orchestrator.ps1
   -Procedure Outage against health-check.sh, docker-compose restart and rollback.sh. No goal: reported.
#>
[CmdletBinding()]
param(
    [int]$HttpTargets = 500,
    [int]$LatencyMs = 20,
    [int]$Runs = 5,
    # Size of the backup benchmark's database; the issue asks for at least 1 GB.
    [double]$BackupGigabytes = 1.0,
    # Rounds of the backup benchmark, the two sides taking turns to go first; the figures are their medians.
    [int]$BackupRounds = 3,
    # Which numbered sections to run (all by default).
    [int[]]$Section = @(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
    # Notes per run of the incident benchmark.
    [int]$IncidentNotes = 200,
    # Redis keys of the rollback benchmark's stack, and its rounds (the two sides taking turns to go first; medians).
    [int]$RollbackKeys = 1000000,
    [int]$RollbackRounds = 3,
    # Rounds of the fault-to-Healthy benchmark (each side once per round).
    [int]$DrillRounds = 3
)

$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
$module = Join-Path $root 'out/OpsRunbook/OpsRunbook.psd1'
Import-Module $module
$http = $env:OPSRUNBOOK_TEST_HTTP_URL
$password = $env:OPSRUNBOOK_TEST_PASSWORD
$pgUri = "postgres://$($env:OPSRUNBOOK_TEST_PG_USER)@$($env:OPSRUNBOOK_TEST_PG_HOST):$($env:OPSRUNBOOK_TEST_PG_PORT)/$($env:OPSRUNBOOK_TEST_PG_DATABASE)"
$redisUri = "redis://$($env:OPSRUNBOOK_TEST_REDIS_HOST):$($env:OPSRUNBOOK_TEST_REDIS_PORT)"
$urls = 1..$HttpTargets | ForEach-Object { "$http/health?delay=$LatencyMs&target=$_" }

function Get-BenchDataSql([int]$Rows) {
    # Realistic rows: random text, numbers, timestamps, jsonb, and indexes (not pgbench's blank filler).
    @"
    CREATE TABLE accounts (id int PRIMARY KEY, name text, email text, country text, created_at timestamptz, settings jsonb);
    INSERT INTO accounts SELECT g, 'account ' || md5(g::text), md5(random()::text) || '@example.test', (ARRAY['us','de','fr','jp','br'])[1 + (random() * 4)::int],
      now() - random() * interval '3 years', jsonb_build_object('theme', (ARRAY['dark','light'])[1 + (random())::int], 'limit', (random() * 1000)::int)
    FROM generate_series(1, 100000) g;
    CREATE TABLE events (id bigserial PRIMARY KEY, account_id int REFERENCES accounts, kind text, amount numeric(12,2), created_at timestamptz, payload jsonb, note text);
    INSERT INTO events (account_id, kind, amount, created_at, payload, note)
    SELECT 1 + (random() * 99999)::int, (ARRAY['order','refund','login','view','click'])[1 + (random() * 4)::int], round((random() * 1000)::numeric, 2),
      now() - random() * interval '365 days',
      jsonb_build_object('ip', (random() * 255)::int || '.' || (random() * 255)::int || '.0.1', 'agent', md5(random()::text), 'items', jsonb_build_array(md5(random()::text), (random() * 50)::int)),
      substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1, 10 + (random() * 80)::int)
    FROM generate_series(1, $Rows);
    CREATE INDEX events_by_account ON events (account_id, created_at);
    CREATE INDEX events_by_kind ON events (kind);
"@
}

function Measure-Median([int]$Count, [scriptblock]$Block) {
    $times = 1..$Count | ForEach-Object { (Measure-Command $Block).TotalMilliseconds }
    ($times | Sort-Object)[[math]::Floor($Count / 2)]
}

function Write-Goal([string]$What, [double]$Ratio, [double]$Goal, [switch]$AtLeast) {
    $met = if ($AtLeast) { $Ratio -ge $Goal } else { $Ratio -le $Goal }
    Write-Host ("{0}: {1:0.00}x (goal: {2} {3}x) {4}" -f $What, $Ratio, $(if ($AtLeast) { 'at least' } else { 'at most' }), $Goal, $(if ($met) { 'MET' } else { 'NOT MET' }))
}

if ($Section -contains 1) {
    # The stack as an operator describes it: one inventory, passwords by environment variable.
    $inventory = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-$PID.json"
    $services = @(for ($i = 0; $i -lt $urls.Count; $i++) { @{ Name = "web-$($i + 1)"; Kind = 'Http'; Target = $urls[$i] } }) + @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = $pgUri; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = $redisUri; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD' })
    @{ Name = 'bench'; Services = $services } | ConvertTo-Json -Depth 4 | Set-Content $inventory

    Write-Host "== 1. Health of $HttpTargets HTTP targets ($LatencyMs ms each) + PostgreSQL + Redis =="
    $urlFile = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-urls-$PID.txt"
    $urls | Set-Content $urlFile
    $env:REDISCLI_AUTH = $password
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $baselineOut = & bash (Join-Path $PSScriptRoot 'baseline-health.sh') $urlFile $env:OPSRUNBOOK_TEST_PG_BIN $env:OPSRUNBOOK_TEST_PG_HOST $env:OPSRUNBOOK_TEST_PG_PORT $env:OPSRUNBOOK_TEST_REDIS_HOST $env:OPSRUNBOOK_TEST_REDIS_PORT
        $baseline = $clock.Elapsed.TotalMilliseconds
    }
    finally { Remove-Item Env:REDISCLI_AUTH; Remove-Item $urlFile }
    if ($baselineOut -ne 'unhealthy=0') { throw "The baseline loop found unhealthy targets: $baselineOut" }

    # Warm the session once (JIT, connection pool), as an operator's second command would be.
    $warm = Get-ServiceHealth -Inventory $inventory -ThrottleLimit 1024
    if (@($warm | Where-Object Status -ne Healthy).Count -or $warm.Count -ne $services.Count) { throw 'Get-ServiceHealth did not find the benchmark stack healthy.' }

    $whole = Measure-Median $Runs { $null = Get-ServiceHealth -Inventory $inventory -ThrottleLimit 1024 }
    $singles = [ordered]@{
        'one HTTP target' = Measure-Median $Runs { $null = Get-ServiceHealth -Inventory $inventory -Name web-1 }
        'PostgreSQL'      = Measure-Median $Runs { $null = Get-ServiceHealth -Inventory $inventory -Name postgres }
        'Redis'           = Measure-Median $Runs { $null = Get-ServiceHealth -Inventory $inventory -Name redis }
    }
    Remove-Item $inventory
    $slowest = ($singles.Values | Measure-Object -Maximum).Maximum

    # The same without the inventory file: every target on the command line (passwords in the URLs, never printed).
    $escaped = [uri]::EscapeDataString($password)
    $direct = $urls + @(
        "postgres://$($env:OPSRUNBOOK_TEST_PG_USER):$escaped@$($env:OPSRUNBOOK_TEST_PG_HOST):$($env:OPSRUNBOOK_TEST_PG_PORT)/$($env:OPSRUNBOOK_TEST_PG_DATABASE)"
        "redis://:$escaped@$($env:OPSRUNBOOK_TEST_REDIS_HOST):$($env:OPSRUNBOOK_TEST_REDIS_PORT)")
    $wholeDirect = Measure-Median $Runs { $null = Get-ServiceHealth -Uri $direct -ThrottleLimit 1024 }
    $slowestDirect = ($direct[0], $direct[-2], $direct[-1] | ForEach-Object { $one = $_; Measure-Median $Runs { $null = Get-ServiceHealth -Uri $one } } | Measure-Object -Maximum).Maximum
    $inRun = (Get-ServiceHealth -Uri $direct -ThrottleLimit 1024 | Measure-Object LatencyMs -Maximum).Maximum

    $rows = @(
        [pscustomobject]@{ Measure = 'runbook loop: curl x500, pg_isready, redis-cli ping (1 run)'; Milliseconds = [math]::Round($baseline) }
        [pscustomobject]@{ Measure = "Get-ServiceHealth -Inventory, all $($HttpTargets + 2) targets (median of $Runs)"; Milliseconds = [math]::Round($whole) }
    )
    foreach ($name in $singles.Keys) {
        $rows += [pscustomobject]@{ Measure = "Get-ServiceHealth, $name alone (median of $Runs)"; Milliseconds = [math]::Round($singles[$name]) }
    }
    $rows += [pscustomobject]@{ Measure = "Get-ServiceHealth -Uri, all $($direct.Count) targets in one call (median of $Runs)"; Milliseconds = [math]::Round($wholeDirect) }
    $rows += [pscustomobject]@{ Measure = "Get-ServiceHealth -Uri, slowest single target alone (median of $Runs)"; Milliseconds = [math]::Round($slowestDirect) }
    $rows += [pscustomobject]@{ Measure = 'slowest LatencyMs among the probes of one -Uri run'; Milliseconds = [math]::Round($inRun) }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
    $speedup = $baseline / $whole
    Write-Goal 'speed-up over the runbook loop (inventory)' $speedup 30 -AtLeast
    Write-Goal 'wall time / slowest single probe alone (inventory)' ($whole / $slowest) 1.5
    Write-Goal 'wall time / slowest single probe alone (-Uri)' ($wholeDirect / $slowestDirect) 1.5
    Write-Goal 'wall time / slowest probe within the same run (-Uri)' ($wholeDirect / $inRun) 1.5
}

if ($Section -contains 2) {
    Write-Host ''
    Write-Host '== 2. Import-Module plus the first Get-ServiceHealth in a new pwsh =='
    # Timed inside the new process, so that pwsh's own start (about a second, and noisy) does not hide the module's cost.
    $empty = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-empty-$PID"
    $null = New-Item -ItemType Directory -Force $empty
    # An empty binary module: a manifest whose root module is an assembly with no cmdlets.
    Copy-Item (Join-Path $root 'out/OpsRunbook/OpsRunbook.Model.dll') $empty
    New-ModuleManifest -Path (Join-Path $empty 'Empty.psd1') -RootModule 'OpsRunbook.Model.dll' -ModuleVersion 1.0
    function Measure-InNewPwsh([string]$Import, [string]$Then) {
        $script = "`$c = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Import'; `$i = `$c.Elapsed.TotalMilliseconds; $Then; '{0};{1}' -f `$i, `$c.Elapsed.TotalMilliseconds"
        $samples = 1..$Runs | ForEach-Object { (& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script) -split ';' }
        $imports = for ($i = 0; $i -lt $samples.Count; $i += 2) { [double]$samples[$i] }
        $totals = for ($i = 1; $i -lt $samples.Count; $i += 2) { [double]$samples[$i] }
        [pscustomobject]@{ Import = ($imports | Sort-Object)[[math]::Floor($Runs / 2)]; Total = ($totals | Sort-Object)[[math]::Floor($Runs / 2)] }
    }
    try {
        $emptyModule = Measure-InNewPwsh "$empty/Empty.psd1" '$null = 0'
        $ours = Measure-InNewPwsh $module "`$null = Get-ServiceHealth -Uri '$http/health'"
    }
    finally { Remove-Item -Recurse -Force $empty }
    @(
        [pscustomobject]@{ Measure = "Import-Module of an empty binary module (median of $Runs)"; Milliseconds = [math]::Round($emptyModule.Import) }
        [pscustomobject]@{ Measure = "Import-Module OpsRunbook (median of $Runs)"; Milliseconds = [math]::Round($ours.Import) }
        [pscustomobject]@{ Measure = "Import-Module OpsRunbook + first Get-ServiceHealth (median of $Runs)"; Milliseconds = [math]::Round($ours.Total) }
    ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
}

if ($Section -contains 3) {
    Write-Host ''
    Write-Host '== 3. A three-tier stack ready: Start-ServiceStack against seed 000''s startup procedure =='
    # The stack of the Pester scenario: real PostgreSQL and Redis, an HTTP API depending on both, with HEALTHCHECKs.
    Import-Module (Join-Path $root 'tests/pester/TestHelpers.psm1') -Force
    $stackRoot = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-stack-$PID"
    $null = New-Item -ItemType Directory -Force $stackRoot
    $stack = New-ThreeTierStack -Project "bench-$PID" -Root $stackRoot
    $env:DOCKER_HOST = $env:OPSRUNBOOK_TEST_DOCKER_HOST
    function Stop-BenchStack { $null = Invoke-Docker stop -t 10 $stack.Api $stack.Postgres $stack.Redis }
    function Test-BenchStackHealthy { @($stack.Postgres, $stack.Redis, $stack.Api | Where-Object { (Get-DockerState $_ '{{.State.Health.Status}}') -ne 'healthy' }).Count -eq 0 }
    try {
        # Seed 000: "docker compose up -d postgres redis; sleep 15; (checks); docker compose up -d api; sleep 10".
        $procedure = Measure-Command {
            $null = Invoke-Docker start $stack.Postgres $stack.Redis
            Start-Sleep -Seconds 15
            $null = Invoke-Docker start $stack.Api
            Start-Sleep -Seconds 10
        }
        if (-not (Test-BenchStackHealthy)) { throw 'After the runbook procedure the stack is not healthy.' }
        Stop-BenchStack
        $ours = @(1..3 | ForEach-Object {
            $time = Measure-Command { $null = Start-ServiceStack -Project $stack.Project -TimeoutSec 120 }
            if (-not (Test-BenchStackHealthy)) { throw 'After Start-ServiceStack the stack is not healthy.' }
            Stop-BenchStack
            $time.TotalMilliseconds
        }) | Sort-Object
        @(
            [pscustomobject]@{ Measure = 'runbook procedure: start data tier, sleep 15, start API, sleep 10 (1 run)'; Milliseconds = [math]::Round($procedure.TotalMilliseconds) }
            [pscustomobject]@{ Measure = 'Start-ServiceStack until every tier is healthy (median of 3)'; Milliseconds = [math]::Round($ours[1]) }
        ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
        Write-Host ("Start-ServiceStack reaches a ready stack {0:0.0}x sooner than the runbook's sleeps, and knows it is ready." -f ($procedure.TotalMilliseconds / $ours[1]))
    }
    finally {
        Remove-TestProject $stack.Project
        Remove-Item -Recurse -Force $stackRoot -ErrorAction Ignore
        Remove-Item Env:DOCKER_HOST -ErrorAction Ignore
    }
}

if ($Section -contains 4) {
    Write-Host ''
    Write-Host "== 4. Backup and restore of a database of about $BackupGigabytes GB: against pg_dump -Fc + sha256sum, and pg_restore -j 2 =="
    $pgBin = $env:OPSRUNBOOK_TEST_PG_BIN
    $adminUri = "postgres://postgres:$([uri]::EscapeDataString($password))@$($env:OPSRUNBOOK_TEST_PG_HOST):$($env:OPSRUNBOOK_TEST_PG_PORT)/postgres"
    $benchDb = "bench_backup_$PID"
    $work = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-backup-$PID"
    $null = New-Item -ItemType Directory -Force $work
    function Invoke-BenchPsql([string]$Sql, [string]$Database = 'postgres') {
        $output = & "$pgBin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h $env:OPSRUNBOOK_TEST_PG_HOST -p $env:OPSRUNBOOK_TEST_PG_PORT -U postgres -d $Database -c $Sql 2>&1
        if ($LASTEXITCODE) { throw "psql: $output" }
        $output
    }
    $env:PGPASSWORD = $password
    try {
        $null = Invoke-BenchPsql "CREATE DATABASE $benchDb"
        $rows = [int](3000000 * $BackupGigabytes)
        $null = Invoke-BenchPsql (Get-BenchDataSql $rows) $benchDb
        $null = Invoke-BenchPsql 'VACUUM ANALYZE' $benchDb
        $size = [long](Invoke-BenchPsql "SELECT pg_database_size('$benchDb')")
        Write-Host ("Database {0}: {1:0.00} GB" -f $benchDb, ($size / 1GB))

        # Each measured step starts from a checkpoint, so none pays for the writes of the one before; the two sides
        # take turns going first, and each figure is the median of $BackupRounds rounds.
        $times = @{ StockBackup = @(); OurBackup = @(); StockRestore = @(); OurRestore = @() }
        $steps = @{
            StockBackup  = {
                param($round)
                $dump = Join-Path $work "stock-$round.dump"
                & bash -c "'$pgBin/pg_dump' -Fc -h $($env:OPSRUNBOOK_TEST_PG_HOST) -p $($env:OPSRUNBOOK_TEST_PG_PORT) -U postgres -d $benchDb > '$dump' && sha256sum '$dump' > '$dump.sha256'"
                if ($LASTEXITCODE) { throw 'pg_dump failed' }
            }
            OurBackup    = { param($round) $script:ourBackup = Invoke-DatabaseBackup -ConnectionString ($adminUri -replace '/postgres$', "/$benchDb") -Path (Join-Path $work "ours-$round") }
            StockRestore = {
                param($round)
                $null = Invoke-BenchPsql "CREATE DATABASE stock_restore_${PID}_$round"
                & "$pgBin/pg_restore" -j 2 -h $env:OPSRUNBOOK_TEST_PG_HOST -p $env:OPSRUNBOOK_TEST_PG_PORT -U postgres -d "stock_restore_${PID}_$round" (Join-Path $work "stock-$round.dump")
                if ($LASTEXITCODE) { throw 'pg_restore failed' }
            }
            OurRestore   = { param($round) $null = Restore-DatabaseBackup -Path $script:ourBackup.Path -ConnectionString $adminUri -TargetDatabase "our_restore_${PID}_$round" -Jobs 2 -Force }
        }
        foreach ($round in 1..$BackupRounds) {
            $order = if ($round % 2) { 'StockBackup', 'OurBackup', 'StockRestore', 'OurRestore' } else { 'OurBackup', 'StockBackup', 'OurRestore', 'StockRestore' }
            foreach ($step in $order) {
                $null = Invoke-BenchPsql 'CHECKPOINT'
                $times[$step] += (Measure-Command { & $steps[$step] $round }).TotalMilliseconds
            }
            foreach ($db in "stock_restore_${PID}_$round", "our_restore_${PID}_$round") { $null = Invoke-BenchPsql "DROP DATABASE IF EXISTS $db WITH (FORCE)" }
        }
        $mean = @{}
        foreach ($key in $times.Keys) { $mean[$key] = ($times[$key] | Sort-Object)[[math]::Floor($times[$key].Count / 2)] }
        $backupTime = [timespan]::FromMilliseconds($mean.OurBackup); $stockBackup = [timespan]::FromMilliseconds($mean.StockBackup)
        $ourRestore = [timespan]::FromMilliseconds($mean.OurRestore); $stockRestore = [timespan]::FromMilliseconds($mean.StockRestore)
        @(
            [pscustomobject]@{ Measure = "pg_dump -Fc db > f && sha256sum f (median of $BackupRounds)"; Milliseconds = [math]::Round($stockBackup.TotalMilliseconds) }
            [pscustomobject]@{ Measure = 'Invoke-DatabaseBackup (checksum, snapshot row counts, manifest, fsync)'; Milliseconds = [math]::Round($backupTime.TotalMilliseconds) }
            [pscustomobject]@{ Measure = 'createdb + pg_restore -j 2'; Milliseconds = [math]::Round($stockRestore.TotalMilliseconds) }
            [pscustomobject]@{ Measure = 'Restore-DatabaseBackup -Jobs 2 (checksum, scratch database, properties, row counts, swap)'; Milliseconds = [math]::Round($ourRestore.TotalMilliseconds) }
        ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
        foreach ($key in 'StockBackup', 'OurBackup', 'StockRestore', 'OurRestore') { Write-Host ("{0} rounds: {1} ms" -f $key, (($times[$key] | ForEach-Object { [math]::Round($_) }) -join ', ')) }
        Write-Host ("Invoke-DatabaseBackup / pg_dump + sha256sum: {0:0.00}x (goal: at most 1.05x) {1}" -f ($backupTime.TotalMilliseconds / $stockBackup.TotalMilliseconds), $(if ($backupTime.TotalMilliseconds -le 1.05 * $stockBackup.TotalMilliseconds) { 'MET' } else { 'NOT MET' }))
        Write-Host ("Restore-DatabaseBackup / pg_restore -j 2: {0:0.00}x (goal: at most 1.05x) {1}" -f ($ourRestore.TotalMilliseconds / $stockRestore.TotalMilliseconds), $(if ($ourRestore.TotalMilliseconds -le 1.05 * $stockRestore.TotalMilliseconds) { 'MET' } else { 'NOT MET' }))
    }
    finally {
        $null = Invoke-BenchPsql "DROP DATABASE IF EXISTS $benchDb WITH (FORCE)"
        foreach ($round in 1..$BackupRounds) { foreach ($db in "stock_restore_${PID}_$round", "our_restore_${PID}_$round") { $null = Invoke-BenchPsql "DROP DATABASE IF EXISTS $db WITH (FORCE)" } }
        Remove-Item Env:PGPASSWORD
        Remove-Item -Recurse -Force $work -ErrorAction Ignore
    }
}

if ($Section -contains 5) {
Write-Host ''
Write-Host '== 5. Search-ServiceLog against seed 004''s grep | jq pipelines =='
$log = $env:OPSRUNBOOK_TEST_APP_LOG
$counts = Get-Content "$log.counts.json" -Raw | ConvertFrom-Json
$trace = $counts.sampleTraceId
$sizeMB = (Get-Item $log).Length / 1MB
# The four queries of seed 004's "Structured Log Queries", each beside its Search-ServiceLog form.
$queries = @(
    [pscustomobject]@{ Name = 'errors of a trace'; Shell = "grep '`"level`":`"ERROR`"' '$log' | jq '. | select(.traceId == `"$trace`")'"
        Ours = { Search-ServiceLog $log -Level error -TraceId $trace } }
    [pscustomobject]@{ Name = 'error counts by .error.name'; Shell = "grep '`"level`":`"ERROR`"' '$log' | jq -r '.error.name' | sort | uniq -c"
        Ours = { Search-ServiceLog $log -Level error -GroupBy error.name } }
    [pscustomobject]@{ Name = 'requests with .duration > 1000'; Shell = "grep '`"event`":`"request_completed`"' '$log' | jq '. | select(.duration > 1000)'"
        Ours = { Search-ServiceLog $log -Event request_completed -Filter { $_.Data.duration -gt 1000 } } }
    [pscustomobject]@{ Name = 'every line of one trace'; Shell = "grep '$trace' '$log' | jq ."
        Ours = { Search-ServiceLog $log -TraceId $trace } }
)
# Both read from the page cache: read the file once first.
& bash -c "cat '$log' > /dev/null"
$rows = foreach ($query in $queries) {
    # The same answers first: jq -c prints one line per match.
    $compact = $query.Shell -replace "jq '", "jq -c '" -replace 'jq \.$', 'jq -c .'
    $expected = [int](& bash -c "$compact | wc -l")
    $found = @(& $query.Ours)
    $answer = if ($query.Name -like '*counts*') { ($found | Measure-Object Count -Sum).Sum -eq $counts.levels.error -and $found.Count -eq $expected } else { $found.Count -eq $expected }
    if (-not $answer) { throw "Search-ServiceLog and the baseline disagree on '$($query.Name)': $($found.Count) against $expected." }
    $baseline = Measure-Median $Runs { & bash -c "$($query.Shell) > /dev/null" }
    # | Out-Null discards as the objects come; $null = would first collect them all.
    $ours = Measure-Median $Runs { & $query.Ours | Out-Null }
    [pscustomobject]@{ Query = $query.Name; Matches = $expected; 'grep|jq ms' = [math]::Round($baseline); 'Search-ServiceLog ms' = [math]::Round($ours); Ratio = [math]::Round($ours / $baseline, 2) }
}
Write-Host ("{0:N0} lines, {1:N0} MB; medians of {2}" -f $counts.lines, $sizeMB, $Runs)
$rows | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
foreach ($row in $rows) { Write-Goal "Search-ServiceLog / grep|jq, $($row.Query)" $row.Ratio 1.0 }

# Memory: peak working set of a new pwsh that runs the two queries that read the most, on 300 MB and on 30 MB.
$small = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-$PID.log"
$service = Join-Path $root 'tests/OpsRunbook.TestService/bin/Release/net10.0/OpsRunbook.TestService.dll'
& dotnet $service --write-log $small --lines 100000
try {
    function Measure-PeakWorkingSet([string]$Path) {
        $script = "Import-Module '$module'; Search-ServiceLog '$Path' -Level error -GroupBy error.name | Out-Null; Search-ServiceLog '$Path' -Event request_completed -Filter { `$_.Data.duration -gt 1000 } | Out-Null; [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64"
        [long](& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $script | Select-Object -Last 1)
    }
    $idle = [long](& dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command "Import-Module '$module'; [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64" | Select-Object -Last 1)
    $large = Measure-PeakWorkingSet $log
    $little = Measure-PeakWorkingSet $small
    @(
        [pscustomobject]@{ Measure = 'peak working set, pwsh with the module imported, no search'; MB = [math]::Round($idle / 1MB) }
        [pscustomobject]@{ Measure = ("peak working set, searches over {0:N0} MB" -f ((Get-Item $small).Length / 1MB)); MB = [math]::Round($little / 1MB) }
        [pscustomobject]@{ Measure = ("peak working set, searches over {0:N0} MB" -f $sizeMB); MB = [math]::Round($large / 1MB) }
    ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
    Write-Host ("Memory for a file 10x larger: {0:+0;-0} MB ({1:0.00}x the peak)." -f (($large - $little) / 1MB), ($large / $little))
}
finally { Remove-Item $small, "$small.counts.json" -ErrorAction Ignore }
}

if ($Section -contains 6) {
Write-Host ''
Write-Host "== 6. Incident notes: $IncidentNotes one after another, and 10 runspaces x 100 at once =="
$work = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-incidents-$PID"
$null = New-Item -ItemType Directory $work
$benchDb = "bench_incidents_$PID"
$psql = Join-Path $env:OPSRUNBOOK_TEST_PG_BIN 'psql'
$pgArgs = "-X -q -h $($env:OPSRUNBOOK_TEST_PG_HOST) -p $($env:OPSRUNBOOK_TEST_PG_PORT) -U $($env:OPSRUNBOOK_TEST_PG_USER)"
$env:PGPASSWORD = $password
try {
    & $psql -X -q -h $env:OPSRUNBOOK_TEST_PG_HOST -p $env:OPSRUNBOOK_TEST_PG_PORT -U postgres -d postgres -c "CREATE DATABASE $benchDb OWNER $($env:OPSRUNBOOK_TEST_PG_USER)"
    & bash -c "'$psql' $pgArgs -d $benchDb -c 'CREATE TABLE notes (at timestamptz, text text)'"
    $stores = [ordered]@{
        folder     = Join-Path $work 'store'
        PostgreSQL = "postgres://$($env:OPSRUNBOOK_TEST_PG_USER):$([uri]::EscapeDataString($password))@$($env:OPSRUNBOOK_TEST_PG_HOST):$($env:OPSRUNBOOK_TEST_PG_PORT)/$benchDb"
    }
    $baselines = [ordered]@{
        folder     = Measure-Median $Runs { & bash -c "for i in `$(seq 1 $IncidentNotes); do echo `"`$(date -Is) note `$i`" >> '$work/incident.log'; done" }
        PostgreSQL = Measure-Median $Runs { & bash -c "for i in `$(seq 1 $IncidentNotes); do '$psql' $pgArgs -d $benchDb -c `"INSERT INTO notes VALUES (now(), 'note `$i')`"; done" }
    }
    $rows = foreach ($kind in $stores.Keys) {
        $incident = Start-IncidentResponse -Title "Benchmark $kind" -Severity P3 -Store $stores[$kind]
        $serial = Measure-Median $Runs { foreach ($n in 1..$IncidentNotes) { Add-IncidentNote -Id $incident.Id -Text "note $n" -Store $stores[$kind] } }
        $parallel = Measure-Median $Runs {
            1..10 | ForEach-Object -ThrottleLimit 10 -Parallel {
                Import-Module $using:module
                foreach ($n in 1..100) { Add-IncidentNote -Id ($using:incident).Id -Text "runspace $_ note $n" -Store ($using:stores)[$using:kind] }
            }
        }
        [pscustomobject]@{
            Store = $kind; "baseline ms ($IncidentNotes)" = [math]::Round($baselines[$kind]); "Add-IncidentNote ms ($IncidentNotes)" = [math]::Round($serial)
            Ratio = [math]::Round($serial / $baselines[$kind], 2); 'ms per note' = [math]::Round($serial / $IncidentNotes, 2)
            '10 x 100 at once, ms' = [math]::Round($parallel); 'notes/s at once' = [math]::Round(1000 / ($parallel / 1000))
        }
    }
    Write-Host "Medians of $Runs; baselines: echo >> incident.log, and psql -c INSERT, $IncidentNotes times in bash"
    $rows | Format-Table -AutoSize | Out-String -Width 250 | Out-Host
}
finally {
    & $psql -X -q -h $env:OPSRUNBOOK_TEST_PG_HOST -p $env:OPSRUNBOOK_TEST_PG_PORT -U postgres -d postgres -c "DROP DATABASE IF EXISTS $benchDb WITH (FORCE)"
    Remove-Item Env:PGPASSWORD
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
}

if ($Section -contains 7) {
    Write-Host ''
    Write-Host '== 7. Clear-RedisCache of 1,000,000 keys among 1,200,000, against redis-cli, while a second client PINGs =='
    & (Join-Path $PSScriptRoot 'Measure-RedisClear.ps1') -Rounds $Runs
}

# Seed 003's shell procedures, for sections 8 and 10: its manual backup set and rollback.sh, on the rollback test
# stack of tests/pester/TestHelpers.psm1 (PostgreSQL, redis-server and an API in containers on the bed's dockerd).
function Invoke-BenchShell([string]$Script) {
    $output = & bash -c "set -e -o pipefail; $Script" 2>&1
    if ($LASTEXITCODE) { throw "bash: $($output -join "`n")" }
}

function Save-Seed003BackupSet($Stack, [string]$Set) {
    # redis-cli SAVE; docker cp redis:/data/dump.rdb backups/$TS/; pg_dumpall > backups/$TS/postgres.sql; the config files.
    $bed = Get-TestBed
    $null = New-Item -ItemType Directory -Force $Set
    Invoke-BenchShell "docker exec -e REDISCLI_AUTH $($Stack.Redis) redis-cli -p $($Stack.RedisPort) SAVE >/dev/null
        docker cp $($Stack.Redis):/data/dump.rdb '$Set/'
        docker exec $($Stack.Postgres) $($bed.PG_BIN)/pg_dumpall -h 127.0.0.1 -p $($Stack.PostgresPort) -U postgres > '$Set/postgres.sql'
        cp -p '$($Stack.Config)/docker-compose.yml' '$($Stack.Config)/.env' '$Set/'"
}

function Invoke-Seed003Rollback($Stack, [string]$Set, [switch]$PreviousImage) {
    # rollback.sh: stop the application, replay the dump, put dump.rdb back with a restart, the config files back,
    # the previous image redeployed (docker compose up -d), and poll (not sleep) until Redis and the API are ready.
    $bed = Get-TestBed
    $pg = "docker exec -i $($Stack.Postgres) $($bed.PG_BIN)"
    Invoke-BenchShell "docker stop -t 30 $($Stack.Api) >/dev/null
        $pg/dropdb -h 127.0.0.1 -p $($Stack.PostgresPort) -U postgres --force app
        $pg/psql -X -q -h 127.0.0.1 -p $($Stack.PostgresPort) -U postgres -d postgres < '$Set/postgres.sql' >/dev/null 2>&1 || true
        docker stop $($Stack.Redis) >/dev/null
        docker cp '$Set/dump.rdb' $($Stack.Redis):/data/dump.rdb
        docker start $($Stack.Redis) >/dev/null
        for i in `$(seq 1 600); do redis-cli -p $($Stack.RedisPort) PING 2>/dev/null | grep -q PONG && break; sleep 0.1; done
        cp -p '$Set/docker-compose.yml' '$Set/.env' '$($Stack.Config)/'"
    if ($PreviousImage) {
        $null = Invoke-Docker rm -f $Stack.Api
        $null = New-RollbackTestApi -Project $Stack.Project -Version v1 -HttpPort $Stack.HttpPort -EnvironmentFile $Stack.ApiEnvironment
    }
    Invoke-BenchShell "docker start $($Stack.Api) >/dev/null
        for i in `$(seq 1 600); do wget -q -O /dev/null http://127.0.0.1:$($Stack.HttpPort)/health/ready && break; sleep 0.1; done"
}

function Use-Seed003Stack([int]$Keys, [scriptblock]$Body) {
    # A rollback test stack for the body ($stack), removed afterwards; redis-cli and docker exec take the password from
    # the environment, never from a command line.
    Import-Module (Join-Path $root 'tests/pester/TestHelpers.psm1') -Force
    $bed = Get-TestBed
    $work = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-seed003-$PID"
    $null = New-Item -ItemType Directory -Force $work
    $saved = $env:DOCKER_HOST
    $env:ORB_REDIS_PASSWORD = $password; $env:REDISCLI_AUTH = $password; $env:DOCKER_HOST = $bed.DOCKER_HOST
    $stack = $null
    try {
        $stack = New-RollbackTestStack -Project "orbbench$PID" -Root $work -Keys $Keys
        & $Body $stack $work
    }
    finally {
        if ($stack) { Remove-RollbackTestStack $stack }
        $env:DOCKER_HOST = $saved
        Remove-Item Env:ORB_REDIS_PASSWORD, Env:REDISCLI_AUTH -ErrorAction Ignore
        Remove-Item -Recurse -Force $work -ErrorAction Ignore
    }
}

function Assert-Seed003Stack($Stack, [string]$Table, $Expected, [string]$Side) {
    $now = Get-RollbackTestWitness $Stack $Table
    if ($now.Rows -ne $Expected.Rows -or $now.Keys -ne $Expected.Keys -or $now.Image -ne $Expected.Image) {
        throw "$Side left $($now.Rows) rows, $($now.Keys) keys and image $($now.Image), not $($Expected.Rows), $($Expected.Keys) and $($Expected.Image)"
    }
    $unhealthy = @(Get-ServiceHealth -Inventory $Stack.Inventory | Where-Object Status -ne Healthy)
    if ($unhealthy) { throw "$Side left $($unhealthy.Name -join ', ') not healthy" }
}

if ($Section -contains 8) {
    Write-Host ''
    Write-Host "== 8. Invoke-Rollback of a stack with a $BackupGigabytes GB database and $RollbackKeys Redis keys, against seed 003's rollback.sh =="
    # Both sides restore the same data; the shell side is rollback.sh with the backup set seed 003 takes, with no
    # sleep of its own added.
    Use-Seed003Stack $RollbackKeys {
        param($stack, $work)
        $null = Invoke-StackPsql $stack ("DROP TABLE accounts;" + (Get-BenchDataSql ([int](3000000 * $BackupGigabytes))))
        $null = Invoke-StackPsql $stack 'VACUUM ANALYZE'
        $expected = Get-RollbackTestWitness $stack events
        $size = [long](Invoke-StackPsql $stack "SELECT pg_database_size('app')")
        Write-Host ("Database app: {0:0.00} GB, {1:N0} events; Redis: {2:N0} keys" -f ($size / 1GB), $expected.Rows, $expected.Keys)

        $set = Join-Path $work 'shell-set'
        $points = Join-Path $work 'points'
        $backupTimes = @{
            Shell = (Measure-Command { Save-Seed003BackupSet $stack $set }).TotalMilliseconds
            Ours  = (Measure-Command { $script:point = New-RollbackPoint -Inventory $stack.Inventory -Path $points -Name 'before the benchmark' }).TotalMilliseconds
        }
        $rollbacks = @{
            Shell = { Invoke-Seed003Rollback $stack $set }
            Ours  = { $script:steps = Invoke-Rollback -InputObject $script:point -Inventory $stack.Inventory -Confirm:$false }
        }
        $times = @{ Shell = @(); Ours = @() }
        foreach ($round in 1..$RollbackRounds) {
            $order = if ($round % 2) { 'Shell', 'Ours' } else { 'Ours', 'Shell' }
            foreach ($side in $order) {
                # The damage to undo: a tenth of the rows deleted, the cache flushed.
                $null = Invoke-StackPsql $stack 'DELETE FROM events WHERE id % 10 = 0'
                $null = Invoke-StackRedis $stack FLUSHALL
                $null = Invoke-StackPsql $stack 'CHECKPOINT'
                $times[$side] += (Measure-Command { & $rollbacks[$side] }).TotalMilliseconds
                Assert-Seed003Stack $stack events $expected $side
            }
        }
        $shell = ($times.Shell | Sort-Object)[[math]::Floor($times.Shell.Count / 2)]
        $ours = ($times.Ours | Sort-Object)[[math]::Floor($times.Ours.Count / 2)]
        @(
            [pscustomobject]@{ Measure = 'backup set: redis-cli SAVE + docker cp dump.rdb + pg_dumpall > postgres.sql + cp config'; Seconds = [math]::Round($backupTimes.Shell / 1000, 1) }
            [pscustomobject]@{ Measure = 'New-RollbackPoint (pg_dump -Fc, RDB, files, container settings, SHA256SUMS)'; Seconds = [math]::Round($backupTimes.Ours / 1000, 1) }
            [pscustomobject]@{ Measure = "rollback.sh: stop, dropdb + psql < postgres.sql, docker cp dump.rdb + restart, cp config, start (median of $RollbackRounds)"; Seconds = [math]::Round($shell / 1000, 1) }
            [pscustomobject]@{ Measure = 'Invoke-Rollback (verify, safety point, drain, restore -Jobs 2 and RDB at once, start until healthy)'; Seconds = [math]::Round($ours / 1000, 1) }
        ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
        Write-Host 'Where the time of the last Invoke-Rollback went:'
        $script:steps | Select-Object Number, Action, Service, Result, @{ n = 'Seconds'; e = { [math]::Round($_.Duration.TotalSeconds, 1) } } | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
        Write-Host ('Rows and keys back and the stack Healthy after every rollback of both sides; each rollback is the restore part of the RTO: {0:0.0} min (shell) and {1:0.0} min (Invoke-Rollback) against seed 003''s 1 hour' -f ($shell / 60000), ($ours / 60000))
        Write-Goal 'Invoke-Rollback / rollback.sh' ($ours / $shell) 1.0
    }
}

if ($Section -contains 10) {
    Write-Host ''
    Write-Host "== 10. Seed 003's complete service outage after a failed deployment, fault to Healthy: samples/rag-orchestrator.ps1 -Procedure Outage against the seed's procedure =="
    # The fault: a release whose readiness fails, with rows and keys changed. The seed's procedure: health-check.sh,
    # docker-compose restart, still failing (polled for 5 s, as the sample's -RestartTimeoutSec 5), rollback.sh. The
    # sample does the same in a new pwsh as an operator starts it, and opens, closes and reports a P1 incident too.
    Use-Seed003Stack 10000 {
        param($stack, $work)
        $expected = Get-RollbackTestWitness $stack accounts
        $set = Join-Path $work 'shell-set'
        $backups = Join-Path $work 'backups'
        Save-Seed003BackupSet $stack $set
        $null = New-RollbackPoint -Inventory $stack.Inventory -Path $backups -Name 'before release 2'
        $containers = "$($stack.Postgres) $($stack.Redis) $($stack.Api)"
        $environment = @{
            ORB_REDIS_PASSWORD = $password; DOCKER_HOST = $env:DOCKER_HOST; OPSRUNBOOK_INCIDENT_STORE = (Join-Path $work 'incidents')
            PSModulePath       = (Join-Path $root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        }
        $sides = @{
            Shell = {
                Invoke-BenchShell "curl -fsS http://127.0.0.1:$($stack.HttpPort)/health/ready >/dev/null || true
                    docker exec $($stack.Postgres) $((Get-TestBed).PG_BIN)/pg_isready -q -h 127.0.0.1 -p $($stack.PostgresPort) || true
                    redis-cli -p $($stack.RedisPort) PING >/dev/null || true
                    docker restart $containers >/dev/null
                    for i in `$(seq 1 50); do wget -q -O /dev/null http://127.0.0.1:$($stack.HttpPort)/health/ready && exit 0; sleep 0.1; done"
                Invoke-Seed003Rollback $stack $set -PreviousImage
            }
            Ours  = {
                $null = Invoke-NewPwsh -Environment $environment -WorkingDirectory $work -Command "& '$root/samples/rag-orchestrator.ps1' -Procedure Outage -Inventory '$($stack.Inventory)' -BackupPath '$backups' -RestartTimeoutSec 5 -ReportPath '$work/reports'; exit `$LASTEXITCODE"
            }
        }
        $times = @{ Shell = @(); Ours = @() }
        foreach ($round in 1..$DrillRounds) {
            $order = if ($round % 2) { 'Shell', 'Ours' } else { 'Ours', 'Shell' }
            foreach ($side in $order) {
                Invoke-RollbackTestDeployment $stack
                $times[$side] += (Measure-Command { & $sides[$side] }).TotalMilliseconds
                Assert-Seed003Stack $stack accounts $expected $side
            }
        }
        $shell = ($times.Shell | Sort-Object)[[math]::Floor($DrillRounds / 2)]
        $ours = ($times.Ours | Sort-Object)[[math]::Floor($DrillRounds / 2)]
        @(
            [pscustomobject]@{ Measure = "health-check.sh, docker-compose restart, rollback.sh (median of $DrillRounds)"; Seconds = [math]::Round($shell / 1000, 1) }
            [pscustomobject]@{ Measure = "rag-orchestrator.ps1 -Procedure Outage: new pwsh, P1 incident, restart, Invoke-Rollback, post-mortem (median of $DrillRounds)"; Seconds = [math]::Round($ours / 1000, 1) }
        ) | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
        Write-Host ('Fault to Healthy, rows, keys and the previous image back after every run of both sides. Sample / seed procedure: {0:0.00}x' -f ($ours / $shell))
    }
}

if ($Section -contains 9) {
Write-Host ''
Write-Host "== 9. Seed 000, fault to Healthy: samples/portfolio-advisor.ps1 -Procedure Respond against the seed's shell procedure =="
Import-Module (Join-Path $root 'tests/pester/TestHelpers.psm1') -Force
$work = Join-Path ([IO.Path]::GetTempPath()) "opsrunbook-bench-drill-$PID"
$null = New-Item -ItemType Directory -Force $work
$stack = New-DrillStack -Project "benchpa$PID" -Root $work
$env:DOCKER_HOST = $env:OPSRUNBOOK_TEST_DOCKER_HOST
# Seed 000's "Full System Startup" with its sleeps, as an operator pastes it (Langfuse and its sleep 30 left out: the
# stack has none); docker start is what "docker compose up -d" does to a stack's stopped containers.
$shell = @"
set -e
docker start $($stack.Postgres) $($stack.Redis) > /dev/null
sleep 15
'$($env:OPSRUNBOOK_TEST_PG_BIN)/pg_isready' -h 127.0.0.1 -p $($stack.PostgresPort)
redis-cli -p $($stack.RedisPort) ping
docker start $($stack.Api) > /dev/null
sleep 10
curl -sf http://127.0.0.1:$($stack.HttpPort)/health/ready
"@
$sample = Join-Path $root 'samples/portfolio-advisor.ps1'
$modulePath = (Join-Path $root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
function Test-Healthy { @(Get-ServiceHealth -Inventory $stack.Inventory | Where-Object Status -ne Healthy).Count -eq 0 }
$sides = [ordered]@{
    'seed 000 shell procedure' = {
        $output = & bash -c $shell 2>&1
        if ($LASTEXITCODE) { throw "The shell procedure failed: $output" }
    }
    'portfolio-advisor.ps1 -Procedure Respond (new pwsh)' = {
        $saved = $env:PSModulePath
        $env:PSModulePath = $modulePath
        try { $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $sample -Procedure Respond -Inventory $stack.Inventory -IncidentStore (Join-Path $work 'incidents') -ReportPath (Join-Path $work 'reports') -RecoveryTimeoutSec 120 2>&1 }
        finally { $env:PSModulePath = $saved }
        if ($LASTEXITCODE) { throw "The sample failed: $($output -join "`n")" }
    }
}
$times = @{}
foreach ($name in $sides.Keys) { $times[$name] = @() }
try {
    foreach ($round in 1..$DrillRounds) {
        $order = @($sides.Keys)
        if ($round % 2 -eq 0) { [array]::Reverse($order) }
        foreach ($name in $order) {
            # The fault: the database and the API die at once.
            $null = Invoke-Docker kill $stack.Postgres $stack.Api
            $clock = [Diagnostics.Stopwatch]::StartNew()
            & $sides[$name]
            $times[$name] += $clock.Elapsed.TotalMilliseconds
            if (-not (Test-Healthy)) { throw "After '$name' the stack is not healthy." }
        }
    }
    $median = @{}
    foreach ($name in $sides.Keys) { $median[$name] = ($times[$name] | Sort-Object)[[math]::Floor($DrillRounds / 2)] }
    $rows = foreach ($name in $sides.Keys) { [pscustomobject]@{ Measure = "$name (median of $DrillRounds)"; Milliseconds = [math]::Round($median[$name]) } }
    $rows | Format-Table -AutoSize | Out-String -Width 200 | Out-Host
    $ratio = $median['seed 000 shell procedure'] / $median['portfolio-advisor.ps1 -Procedure Respond (new pwsh)']
    Write-Host ("Fault to Healthy: the sample is {0:0.0}x sooner than the seed's procedure, with the incident opened, recorded and closed." -f $ratio)
}
finally {
    Remove-TestProject $stack.Project
    Remove-Item Env:DOCKER_HOST -ErrorAction Ignore
    Remove-Item -Recurse -Force $work -ErrorAction Ignore
}
}
