# Redis for the Pester files: redis-cli as the witness, and redis-servers of a test's own (a child process or a
# container), stopped by their process id or container name. The password reaches redis-cli through REDISCLI_AUTH and
# redis-server through a private config file, never a command line.
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')

function Get-TestRedisUrl {
    <# redis://:PASSWORD@host:port[/db] of the test bed's server, or of a server of a test's own. #>
    param([int]$Port = (Get-TestBed).REDIS_PORT, [int]$Database = -1)
    $bed = Get-TestBed
    $url = "redis://:$([uri]::EscapeDataString($bed.PASSWORD))@127.0.0.1:$Port"
    if ($Database -ge 0) { "$url/$Database" } else { $url }
}

function Invoke-RedisCli {
    <# redis-cli against a server (the test bed's by default); its output lines. Throws on an error answer. #>
    [CmdletBinding(PositionalBinding = $false)]
    param([int]$Port = (Get-TestBed).REDIS_PORT, [int]$Database = 0, [Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$Arguments)
    $output = Use-Environment @{ REDISCLI_AUTH = (Get-TestBed).PASSWORD } {
        & redis-cli -h 127.0.0.1 -p $Port -n $Database --no-auth-warning @Arguments 2>&1
    }
    if ($LASTEXITCODE -ne 0 -or ($output | Select-Object -First 1) -match '^(ERR|WRONGPASS|NOAUTH|Could not connect)') {
        throw "redis-cli $($Arguments -join ' ') failed: $($output -join "`n")"
    }
    $output
}

function Get-RedisKeyCount {
    <# How many keys match a pattern, by redis-cli --scan (never KEYS). #>
    param([int]$Port = (Get-TestBed).REDIS_PORT, [int]$Database = 0, [Parameter(Mandatory)][string]$Pattern)
    @(Invoke-RedisCli -Port $Port -Database $Database '--scan' '--pattern' $Pattern | Where-Object { $_ }).Count
}

function Set-RedisKey {
    <# Sets keys through redis-cli --pipe (fast enough for thousands). #>
    param([int]$Port = (Get-TestBed).REDIS_PORT, [int]$Database = 0, [Parameter(Mandatory)][string[]]$Key)
    $text = [System.Text.StringBuilder]::new()
    foreach ($k in $Key) {
        $length = [System.Text.Encoding]::UTF8.GetByteCount($k)
        $null = $text.Append("*3`r`n`$3`r`nSET`r`n`$$length`r`n$k`r`n`$1`r`nv`r`n")
    }
    $file = [System.IO.Path]::GetTempFileName()
    try {
        [System.IO.File]::WriteAllText($file, $text.ToString(), [System.Text.UTF8Encoding]::new($false))
        $output = Use-Environment @{ REDISCLI_AUTH = (Get-TestBed).PASSWORD } {
            & bash -c 'redis-cli -h 127.0.0.1 -p "$1" -n "$2" --no-auth-warning --pipe < "$3"' redis-pipe $Port $Database $file 2>&1
        }
        if ($LASTEXITCODE -ne 0) { throw "redis-cli --pipe failed: $($output -join "`n")" }
    }
    finally { Remove-Item $file -ErrorAction Ignore }
}

function Start-TestRedisServer {
    <#
    A redis-server of the test's own on a free loopback port, with the test bed's password and DEBUG POPULATE allowed.
    -Line adds redis.conf lines. Stop it with Stop-TestRedisServer (by its process id).
    #>
    param([string[]]$Line = @())
    $bed = Get-TestBed
    $port = Get-ClosedPort
    $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('orb-redis-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $dir
    $config = Join-Path $dir 'redis.conf'
    @('bind 127.0.0.1', "port $port", "dir $dir", 'save ""', 'appendonly no', "logfile $dir/redis.log", 'enable-debug-command yes',
        "requirepass $($bed.PASSWORD)") + $Line | Set-Content $config
    & chmod 600 $config
    Register-TestSecretFixture $config
    # Its output goes to files: a child that held the test run's own pipes would keep the run waiting for it.
    $process = Start-Process -FilePath (Get-Command redis-server).Source -ArgumentList $config -PassThru `
        -RedirectStandardOutput (Join-Path $dir 'stdout.log') -RedirectStandardError (Join-Path $dir 'stderr.log')
    $server = [pscustomobject]@{ Port = $port; Directory = $dir; Process = $process; Url = (Get-TestRedisUrl -Port $port) }
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    while ($true) {
        try { if ((Invoke-RedisCli -Port $port PING) -eq 'PONG') { break } } catch { }
        if ([datetime]::UtcNow -gt $deadline -or $process.HasExited) {
            $log = Get-Content "$dir/redis.log" -Tail 5 -ErrorAction Ignore
            Stop-TestRedisServer $server
            throw "redis-server on 127.0.0.1:$port did not start: $log"
        }
        Start-Sleep -Milliseconds 50
    }
    $server
}

function Stop-TestRedisServer {
    <# Kills a server Start-TestRedisServer started, by its process id, and removes its folder. #>
    param([Parameter(Mandatory)]$Server)
    if (-not $Server.Process.HasExited) {
        & kill -KILL $Server.Process.Id 2>$null
        $null = $Server.Process.WaitForExit(10000)
    }
    Remove-Item -Recurse -Force $Server.Directory -ErrorAction Ignore
}

function New-TestRedisContainer {
    <#
    A real redis-server in a container of the test bed's dockerd (the host's binaries mounted read-only, host
    networking, a free loopback port), keeping its snapshot in /data inside the container only.
    #>
    param([Parameter(Mandatory)][string]$Name)
    $bed = Get-TestBed
    $port = Get-ClosedPort
    $conf = Join-Path ([System.IO.Path]::GetTempPath()) ("$Name-conf")
    $null = New-Item -ItemType Directory -Force $conf
    @('bind 127.0.0.1', "port $port", 'dir /data', "dbfilename $Name.rdb", 'save ""', 'appendonly no', 'enable-debug-command yes',
        "requirepass $($bed.PASSWORD)") | Set-Content (Join-Path $conf 'redis.conf')
    & chmod 600 (Join-Path $conf 'redis.conf')
    Register-TestSecretFixture (Join-Path $conf 'redis.conf')
    $null = Invoke-Docker run -d --name $Name --network host -v /usr:/usr:ro -v /lib:/lib:ro -v /lib64:/lib64:ro -v /etc:/etc:ro -v "${conf}:/conf:ro" `
        $bed.DOCKER_IMAGE /usr/bin/redis-server /conf/redis.conf
    $container = [pscustomobject]@{ Name = $Name; Port = $port; Url = (Get-TestRedisUrl -Port $port); Snapshot = "/data/$Name.rdb"; ConfigFolder = $conf }
    $deadline = [datetime]::UtcNow.AddSeconds(15)
    while ($true) {
        try { if ((Invoke-RedisCli -Port $port PING) -eq 'PONG') { break } } catch { }
        if ([datetime]::UtcNow -gt $deadline) {
            Remove-TestRedisContainer $container
            throw "redis-server in $Name did not start."
        }
        Start-Sleep -Milliseconds 100
    }
    $container
}

function Remove-TestRedisContainer {
    param([Parameter(Mandatory)]$Container)
    $null = Invoke-Docker rm -f $Container.Name
    Remove-Item -Recurse -Force $Container.ConfigFolder -ErrorAction Ignore
}

Export-ModuleMember -Function Get-TestRedisUrl, Invoke-RedisCli, Get-RedisKeyCount, Set-RedisKey, Start-TestRedisServer, Stop-TestRedisServer,
    New-TestRedisContainer, Remove-TestRedisContainer
