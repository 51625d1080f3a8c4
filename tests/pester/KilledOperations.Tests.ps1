# pwsh killed with SIGKILL in the middle of a backup, a restore and a Redis load, each three times: the programs it
# started die with it, the target is usable and untouched, and the next command removes or repairs what was left,
# saying what it did. ps, /proc, psql and redis-cli are the witnesses.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RedisTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $escaped = [uri]::EscapeDataString($Password)
    $script:Db = 'orbkill_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:AdminUri = "postgres://postgres:$escaped@$($Bed.PG_HOST):$($Bed.PG_PORT)/postgres"
    $script:DbUri = "postgres://postgres:$escaped@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"

    function Invoke-Psql([string]$Sql, [string]$Database = 'postgres') {
        $output = Use-Environment @{ PGPASSWORD = $Password } { & "$($Bed.PG_BIN)/psql" -X -A -t -v ON_ERROR_STOP=1 -h $Bed.PG_HOST -p $Bed.PG_PORT -U postgres -d $Database -c $Sql 2>&1 }
        if ($LASTEXITCODE) { throw "psql: $output" }
        $output
    }

    function Start-KillablePwsh([string]$Command) {
        # The module's own pwsh, as a user runs it; its password in its environment only.
        $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$(Get-BuiltModulePath)'; $Command")) {
            $info.ArgumentList.Add($argument)
        }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $info.Environment['ORB_KILL_PASSWORD'] = $Password
        [System.Diagnostics.Process]::Start($info)
    }

    function Wait-Child([System.Diagnostics.Process]$Process, [string]$Name, [int]$TimeoutSec = 60) {
        # The child of that name the pwsh started for the work (not the one that says its --version); setpriv execs it
        # in place, so it is pwsh's own child.
        $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
        while ([datetime]::UtcNow -lt $deadline) {
            $child = (& ps -o pid=,args= --ppid $Process.Id 2>$null) | Where-Object { $_ -match "^\s*(\d+)\s+\S*/$Name\s" -and $_ -notmatch '--version' } |
                ForEach-Object { [int]$Matches[1] } | Select-Object -First 1
            if ($child) { return $child }
            if ($Process.HasExited) { throw "pwsh ended before it started $Name`: $($Process.StandardError.ReadToEnd())" }
            Start-Sleep -Milliseconds 20
        }
        throw "pwsh did not start $Name within $TimeoutSec s."
    }

    function Stop-Hard([System.Diagnostics.Process]$Process) {
        & kill -KILL $Process.Id
        $null = $Process.WaitForExit(10000)
    }

    function Wait-Gone([int]$ProcessId, [int]$TimeoutSec = 10) {
        $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
        while ((Test-Path "/proc/$ProcessId") -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        -not (Test-Path "/proc/$ProcessId")
    }

    # Enough rows that pg_dump and pg_restore each run for a while.
    Invoke-Psql "CREATE DATABASE $Db" | Out-Null
    Invoke-Psql @"
CREATE TABLE events (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), payload text);
INSERT INTO events (payload) SELECT repeat(md5(g::text), 8) FROM generate_series(1, 400000) g;
CREATE INDEX events_payload ON events (payload);
"@ $Db | Out-Null
    $script:Folder = Join-Path $TestDrive 'backups'
    $script:Backup = Invoke-DatabaseBackup -ConnectionString $DbUri -Path $Folder
}

AfterAll {
    Invoke-Psql "DROP DATABASE IF EXISTS $Db WITH (FORCE)" | Out-Null
    foreach ($left in @(Invoke-Psql "SELECT datname FROM pg_database WHERE datname LIKE '$Db%'")) {
        if ($left) { Invoke-Psql "DROP DATABASE IF EXISTS `"$left`" WITH (FORCE)" | Out-Null }
    }
}

Describe 'pwsh killed during pg_restore' {
    It 'kills pg_restore with it, leaves the target as it was, and the next restore removes the scratch database (run <_>)' -ForEach 1, 2, 3 {
        Invoke-Psql "INSERT INTO events (payload) VALUES ('only in the live database')" $Db | Out-Null
        $oid = Invoke-Psql "SELECT oid FROM pg_database WHERE datname = '$Db'"
        $rows = Invoke-Psql 'SELECT count(*) FROM events' $Db
        $pwsh = Start-KillablePwsh "Restore-DatabaseBackup -Path '$($Backup.Path)' -ConnectionString `$('$DbUri'.Replace('$escaped', [uri]::EscapeDataString(`$env:ORB_KILL_PASSWORD))) -Force"
        try {
            $restore = Wait-Child $pwsh 'pg_restore'
            Start-Sleep -Milliseconds 300
            Stop-Hard $pwsh
            Wait-Gone $restore | Should -BeTrue -Because 'pg_restore dies with the pwsh that started it'
        }
        finally { if (-not $pwsh.HasExited) { $pwsh.Kill($true) } }

        # The target: the same database, its rows, accepting connections.
        Invoke-Psql "SELECT oid FROM pg_database WHERE datname = '$Db'" | Should -Be $oid
        Invoke-Psql 'SELECT count(*) FROM events' $Db | Should -Be $rows
        Invoke-Psql "SELECT datallowconn FROM pg_database WHERE datname = '$Db'" | Should -Be 't'
        Invoke-Psql "SELECT count(*) FROM pg_database WHERE datname LIKE '$($Db)\_\_restore\_%'" | Should -Be 1 -Because 'the killed restore left its scratch database'

        # The next restore says what it removed, then does its own work.
        $result = Restore-DatabaseBackup -Path $Backup.Path -ConnectionString $DbUri -Force -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match "Removed the scratch database $($Db)__restore_\d{14}_[0-9a-f]{4}, left by a restore of $Db"
        $result.Replaced | Should -BeTrue
        Invoke-Psql "SELECT count(*) FROM pg_database WHERE datname LIKE '$($Db)\_\_%'" | Should -Be 0
        Invoke-Psql "SELECT count(*) FROM events WHERE payload = 'only in the live database'" $Db | Should -Be 0
    }
}

Describe 'pwsh killed during pg_dump' {
    It 'kills pg_dump with it, and the next backup into the folder removes the unfinished one (run <_>)' -ForEach 1, 2, 3 {
        $folder = Join-Path $TestDrive "killed-backup-$_"
        $pwsh = Start-KillablePwsh "Invoke-DatabaseBackup -Path '$folder' -ConnectionString `$('$DbUri'.Replace('$escaped', [uri]::EscapeDataString(`$env:ORB_KILL_PASSWORD)))"
        try {
            $dump = Wait-Child $pwsh 'pg_dump'
            # Its environment is what it needs: the password it uses, none of the session's other variables.
            $environment = [IO.File]::ReadAllText("/proc/$dump/environ") -split "`0"
            $environment | Should -Contain "PGPASSWORD=$Password"
            @($environment | Where-Object { $_ -like 'ORB_KILL_PASSWORD=*' -or $_ -like 'OPSRUNBOOK_TEST_*' }) | Should -BeNullOrEmpty
            (& ps -o args= -p $dump) | Should -Not -Match ([regex]::Escape($Password))
            Start-Sleep -Milliseconds 200
            Stop-Hard $pwsh
            Wait-Gone $dump | Should -BeTrue -Because 'pg_dump dies with the pwsh that started it'
        }
        finally { if (-not $pwsh.HasExited) { $pwsh.Kill($true) } }
        $left = @(Get-ChildItem $folder -Force -Directory -Filter '.*.partial')
        $left.Count | Should -Be 1 -Because 'the killed backup left its work folder'
        (& stat -c %a $left[0].FullName) | Should -Be '700'

        $backup = Invoke-DatabaseBackup -Path $folder -ConnectionString $DbUri -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match ([regex]::Escape($left[0].FullName))
        @(Get-ChildItem $folder -Force).Name | Sort-Object | Should -Be (@($backup.Name, "$($backup.Name).json", "$($backup.Name).sha256") | Sort-Object)
    }
}

Describe 'pwsh killed while a local Redis replicates its snapshot' {
    BeforeAll {
        # A server on this machine in no container, with no masterauth: the rollback loads it through a temporary server.
        $script:Redis = Start-TestRedisServer
        $null = Invoke-RedisCli -Port $Redis.Port DEBUG POPULATE 600000 point 120
        $script:Points = Join-Path $TestDrive 'points'
        $script:Inventory = Join-Path $TestDrive 'redis-only.psd1'
        @"
@{
    Name = 'cache-only'
    Services = @(
        @{ Name = 'cache'; Kind = 'Redis'; Target = 'redis://127.0.0.1:$($Redis.Port)'; PasswordVariable = 'ORB_KILL_PASSWORD' }
    )
}
"@ | Set-Content $Inventory
        $script:Point = Use-Environment @{ ORB_KILL_PASSWORD = $Password } { New-RollbackPoint -Inventory $Inventory -Path $Points }
    }

    AfterAll { Stop-TestRedisServer $Redis }

    It 'leaves the server a replica of a server that died, and the next Redis command makes it a primary again (run <_>)' -ForEach 1, 2, 3 {
        $null = Invoke-RedisCli -Port $Redis.Port FLUSHALL
        $null = Invoke-RedisCli -Port $Redis.Port SET after-the-point x
        $pwsh = Start-KillablePwsh "Invoke-Rollback -Path '$Points' -Timestamp $($Point.Timestamp) -Inventory '$Inventory' -Component Redis -Force"
        try {
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ((Invoke-RedisCli -Port $Redis.Port ROLE | Select-Object -First 1) -ne 'slave') {
                if ($pwsh.HasExited -or [datetime]::UtcNow -gt $deadline) { throw "the rollback never made the server a replica: $($pwsh.StandardError.ReadToEnd())" }
                Start-Sleep -Milliseconds 10
            }
            Stop-Hard $pwsh
        }
        finally { if (-not $pwsh.HasExited) { $pwsh.Kill($true) } }
        # The temporary server died with it (it works in its folder under the temporary folder).
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (@(& pgrep -x redis-server | Where-Object { (& readlink "/proc/$_/cwd") -like '*/.opsrunbook-redis-restore-*' }).Count -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        @(& pgrep -x redis-server | Where-Object { (& readlink "/proc/$_/cwd") -like '*/.opsrunbook-redis-restore-*' }) | Should -BeNullOrEmpty
        (Invoke-RedisCli -Port $Redis.Port ROLE | Select-Object -First 1) | Should -Be 'slave' -Because 'this is what a kill leaves'

        $info = Get-RedisInfo -ConnectionString $Redis.Url -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join "`n") | Should -Match 'is a primary again'
        (Invoke-RedisCli -Port $Redis.Port ROLE | Select-Object -First 1) | Should -Be 'master'
        (Invoke-RedisCli -Port $Redis.Port CONFIG GET masterauth)[1] | Should -BeNullOrEmpty -Because 'the masterauth the load set is emptied again'
        Invoke-RedisCli -Port $Redis.Port SET writable again | Should -Be 'OK'
        $info | Should -Not -BeNullOrEmpty
    }
}
