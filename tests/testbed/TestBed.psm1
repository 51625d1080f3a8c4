# The real services both suites test against, started once per run on loopback ports and private
# sockets, and stopped by the process ids recorded here. Nothing of the system's is used or touched.
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# The one password of the test bed. Tests search every output for it: it must never appear.
$script:KnownPassword = 'Rb7-test-PW-q9Zx41'
$script:TestImage = 'opsrunbook/busybox:test'

function Get-TestBedPrerequisite {
    <# Which prerequisites are missing, as Debian package names. #>
    $missing = [System.Collections.Generic.List[string]]::new()
    if (-not (Get-PostgresBinDirectory)) { $missing.Add('postgresql') }
    if (-not (Get-Command redis-server -ErrorAction Ignore)) { $missing.Add('redis-server') }
    if (-not (Get-Command redis-cli -ErrorAction Ignore)) { $missing.Add('redis-tools') }
    if (-not (Get-Command dockerd -ErrorAction Ignore)) { $missing.Add('docker.io') }
    if (-not (Test-Path /bin/busybox) -or -not ((& file -L /bin/busybox 2>$null) -match 'static')) { $missing.Add('busybox-static') }
    if (-not (Get-Command setpriv -ErrorAction Ignore)) { $missing.Add('util-linux') }
    if (-not (Get-Command curl -ErrorAction Ignore)) { $missing.Add('curl') }
    if (-not (Get-Command file -ErrorAction Ignore)) { $missing.Add('file') }
    if (-not (Get-Command prometheus -ErrorAction Ignore)) { $missing.Add('prometheus') }
    if (-not (Get-Command jq -ErrorAction Ignore)) { $missing.Add('jq') }
    $missing
}

function Get-PostgresBinDirectory {
    Get-ChildItem /usr/lib/postgresql/*/bin/initdb -ErrorAction Ignore |
        Sort-Object { [int]$_.Directory.Parent.Name } -Descending |
        Select-Object -First 1 |
        ForEach-Object { $_.DirectoryName }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Wait-Until {
    param([string]$What, [scriptblock]$Condition, [int]$TimeoutSec = 60, [string]$Log)
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSec)
    while ([datetime]::UtcNow -lt $deadline) {
        if (& $Condition) { return }
        Start-Sleep -Milliseconds 200
    }
    $tail = if ($Log -and (Test-Path $Log)) { "`n--- last lines of $Log ---`n" + ((Get-Content $Log -Tail 30) -join "`n") } else { '' }
    throw "Test bed: $What did not become ready within $TimeoutSec s.$tail"
}

function Start-TestBedProcess {
    param([string]$Root, [string]$Name, [string]$FilePath, [string[]]$ArgumentList, [string]$User, [string]$StopSignal = 'TERM')
    $logs = Join-Path $Root logs
    $null = New-Item -ItemType Directory -Force $logs
    if ($User) {
        # setpriv execs in place, so the recorded id is the server's own.
        $ArgumentList = @("--reuid=$User", "--regid=$User", '--init-groups', '--', $FilePath) + $ArgumentList
        $FilePath = (Get-Command setpriv).Source
    }
    $process = Start-Process -FilePath $FilePath -ArgumentList $ArgumentList -PassThru `
        -RedirectStandardOutput (Join-Path $logs "$Name.out.log") -RedirectStandardError (Join-Path $logs "$Name.err.log")
    $entry = [pscustomobject]@{ Name = $Name; Pid = $process.Id; Signal = $StopSignal }
    $script:Started.Add($entry)
    Save-TestBedState $Root
    $entry
}

function Save-TestBedState([string]$Root) {
    [pscustomobject]@{ Processes = $script:Started; Environment = $script:Environment } |
        ConvertTo-Json -Depth 4 | Set-Content (Join-Path $Root 'state.json')
}

function Invoke-Checked {
    param([string]$What, [scriptblock]$Command)
    $output = & $Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Test bed: $What failed (exit $LASTEXITCODE): $($output -join "`n")" }
    $output
}

function Start-TestBed {
    <#
    .SYNOPSIS
    Starts PostgreSQL, Redis, dockerd and the HTTP test service on loopback; returns the environment
    variables that tell the suites where they are. Stop-TestBed stops them by process id.
    #>
    param(
        [Parameter(Mandatory)][string]$RepositoryRoot,
        [string]$Configuration = 'Release'
    )

    $missing = @(Get-TestBedPrerequisite)
    if ($missing.Count) {
        throw "Test bed: missing prerequisites: $($missing -join ', '). Install them with: apt-get install -y $($missing -join ' ') (./test.sh does this when run as root)."
    }
    $isRoot = (& id -u) -eq '0'
    if (-not $isRoot) { throw 'Test bed: dockerd needs root; run the tests as root (as CI does).' }

    $root = Join-Path ([System.IO.Path]::GetTempPath()) ('orb-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory $root
    $script:Started = [System.Collections.Generic.List[object]]::new()
    $script:Environment = [ordered]@{
        OPSRUNBOOK_TEST_ROOT      = $root
        OPSRUNBOOK_TEST_PASSWORD  = $script:KnownPassword
        OPSRUNBOOK_TEST_ARTIFACTS = (Join-Path $root 'artifacts')
        # The suites' temporary files (and the module's, under test) in the run's own folder: the password sweep reads them.
        TMPDIR                    = (Join-Path $root 'tmp')
        # Tests keep what the module wrote under the artifacts until the sweep has read it (the run's folder goes at the end).
        OPSRUNBOOK_TEST_KEEP_ARTIFACTS = '1'
    }
    $null = New-Item -ItemType Directory $script:Environment.OPSRUNBOOK_TEST_ARTIFACTS, $script:Environment.TMPDIR
    Save-TestBedState $root

    try {
        Start-TestPostgres $root
        Start-TestRedis $root
        Start-TestDocker $root
        Start-TestHttpService $root $RepositoryRoot $Configuration
        Start-TestPrometheus $root
        New-TestAppLog $RepositoryRoot $Configuration
    }
    catch {
        Stop-TestBed -Root $root
        throw
    }
    Save-TestBedState $root
    [pscustomobject]@{ Root = $root; Environment = $script:Environment }
}

function Start-TestPostgres([string]$Root) {
    $bin = Get-PostgresBinDirectory
    $pg = Join-Path $Root postgres
    $data = Join-Path $pg data
    $socket = Join-Path $pg socket
    $null = New-Item -ItemType Directory $pg, $socket
    $pwfile = Join-Path $pg pwfile
    Set-Content -Path $pwfile -Value $script:KnownPassword -NoNewline
    & chown -R postgres:postgres $pg
    & chmod 600 $pwfile
    Invoke-Checked 'initdb' {
        & setpriv --reuid=postgres --regid=postgres --init-groups -- "$bin/initdb" -D $data -U postgres "--pwfile=$pwfile" `
            --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync
    } | Out-Null
    Remove-Item $pwfile
    $port = Get-FreePort
    $process = Start-TestBedProcess -Root $Root -Name postgres -User postgres -StopSignal INT -FilePath "$bin/postgres" -ArgumentList @(
        '-D', $data, '-c', 'listen_addresses=127.0.0.1', '-c', "port=$port", '-c', "unix_socket_directories=$socket",
        '-c', 'max_connections=30', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off')
    Wait-Until "PostgreSQL on 127.0.0.1:$port" -Log (Join-Path $Root logs/postgres.err.log) {
        & "$bin/pg_isready" -q -h 127.0.0.1 -p $port; $LASTEXITCODE -eq 0
    }
    $env:PGPASSWORD = $script:KnownPassword
    try {
        Invoke-Checked 'creating the test role and database' {
            & "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $port -U postgres -d postgres `
                -c "CREATE ROLE opsrunbook LOGIN PASSWORD '$($script:KnownPassword)'" -c 'CREATE DATABASE opsrunbook OWNER opsrunbook'
        } | Out-Null
    }
    finally { Remove-Item Env:PGPASSWORD }
    $script:Environment.OPSRUNBOOK_TEST_PG_BIN = $bin
    $script:Environment.OPSRUNBOOK_TEST_PG_HOST = '127.0.0.1'
    $script:Environment.OPSRUNBOOK_TEST_PG_PORT = "$port"
    $script:Environment.OPSRUNBOOK_TEST_PG_USER = 'opsrunbook'
    $script:Environment.OPSRUNBOOK_TEST_PG_DATABASE = 'opsrunbook'
    $script:Environment.OPSRUNBOOK_TEST_PG_PID = "$($process.Pid)"
}

function Start-TestRedis([string]$Root) {
    $dir = Join-Path $Root redis
    $null = New-Item -ItemType Directory $dir
    $port = Get-FreePort
    $config = Join-Path $dir redis.conf
    # The password sits in a private config file, not on a command line that ps shows.
    @(
        'bind 127.0.0.1'
        "port $port"
        "dir $dir"
        'save ""'
        'appendonly no'
        'daemonize no'
        "requirepass $($script:KnownPassword)"
        "user opsrunbook on >$($script:KnownPassword) ~* &* +@all"
    ) | Set-Content $config
    & chmod 600 $config
    $null = Start-TestBedProcess -Root $Root -Name redis -FilePath (Get-Command redis-server).Source -ArgumentList @($config)
    Wait-Until "Redis on 127.0.0.1:$port" -Log (Join-Path $Root logs/redis.out.log) {
        $env:REDISCLI_AUTH = $script:KnownPassword
        try { (& redis-cli -h 127.0.0.1 -p $port --no-auth-warning ping 2>$null) -eq 'PONG' } finally { Remove-Item Env:REDISCLI_AUTH }
    }
    $script:Environment.OPSRUNBOOK_TEST_REDIS_HOST = '127.0.0.1'
    $script:Environment.OPSRUNBOOK_TEST_REDIS_PORT = "$port"
}

function Start-TestDocker([string]$Root) {
    $dir = Join-Path $Root docker
    $null = New-Item -ItemType Directory $dir
    $socket = Join-Path $dir docker.sock
    $null = Start-TestBedProcess -Root $Root -Name dockerd -FilePath (Get-Command dockerd).Source -ArgumentList @(
        '--data-root', (Join-Path $dir data), '--exec-root', (Join-Path $dir exec), '--pidfile', (Join-Path $dir dockerd.pid),
        '--host', "unix://$socket", '--bridge=none', '--iptables=false', '--ip6tables=false')
    $env:DOCKER_HOST = "unix://$socket"
    try {
        Wait-Until "dockerd on $socket" -Log (Join-Path $Root logs/dockerd.err.log) {
            (Test-Path $socket) -and ((& curl -s --max-time 2 --unix-socket $socket http://localhost/_ping 2>$null) -eq 'OK')
        }
        # A local image from the static busybox: no registry is reachable, none is needed.
        $image = Join-Path $dir image
        $null = New-Item -ItemType Directory (Join-Path $image bin), (Join-Path $image tmp), (Join-Path $image run), (Join-Path $image data)
        & chmod 1777 (Join-Path $image tmp)
        Copy-Item /bin/busybox (Join-Path $image bin/busybox)
        # Every applet (sh, sleep, httpd, wget, grep, ...) as a command of its own.
        foreach ($applet in (& /bin/busybox --list)) {
            if ($applet -ne 'busybox') { & ln -s busybox (Join-Path $image "bin/$applet") }
        }
        Invoke-Checked 'making the busybox image tarball' { & tar -C $image -cf "$image.tar" . } | Out-Null
        Invoke-Checked 'docker import' { & docker import "$image.tar" $script:TestImage } | Out-Null
    }
    finally { Remove-Item Env:DOCKER_HOST }
    $script:Environment.OPSRUNBOOK_TEST_DOCKER_HOST = "unix://$socket"
    $script:Environment.OPSRUNBOOK_TEST_DOCKER_IMAGE = $script:TestImage
}

function Start-TestHttpService([string]$Root, [string]$RepositoryRoot, [string]$Configuration) {
    $dll = Join-Path $RepositoryRoot "tests/OpsRunbook.TestService/bin/$Configuration/net10.0/OpsRunbook.TestService.dll"
    if (-not (Test-Path $dll)) { throw "Test bed: $dll is missing; build the solution first (dotnet build -c $Configuration)." }
    $port = Get-FreePort
    $tlsPorts = 1..3 | ForEach-Object { Get-FreePort }
    $tls = Join-Path $Root tls
    # The service reads the basic-auth password of /auth from this variable; it leaves the environment again below.
    $env:OPSRUNBOOK_TEST_PASSWORD = $script:KnownPassword
    $null = Start-TestBedProcess -Root $Root -Name http -FilePath (Get-Command dotnet).Source -ArgumentList @(
        $dll, '--http-port', $port, '--tls-dir', $tls, '--tls-ports', ($tlsPorts -join ','),
        '--postgres-port', $script:Environment.OPSRUNBOOK_TEST_PG_PORT, '--redis-port', $script:Environment.OPSRUNBOOK_TEST_REDIS_PORT,
        '--basic-user', 'probe', '--basic-password-env', 'OPSRUNBOOK_TEST_PASSWORD')
    Remove-Item Env:OPSRUNBOOK_TEST_PASSWORD
    Wait-Until "the HTTP test service on 127.0.0.1:$port" -Log (Join-Path $Root logs/http.err.log) {
        (& curl -s --max-time 2 "http://127.0.0.1:$port/health" 2>$null) -match '"ok"'
    }
    $script:Environment.OPSRUNBOOK_TEST_HTTP_URL = "http://127.0.0.1:$port"
    $script:Environment.OPSRUNBOOK_TEST_TLS_CA = Join-Path $tls ca.pem
    $script:Environment.OPSRUNBOOK_TEST_TLS_VALID_PORT = "$($tlsPorts[0])"
    $script:Environment.OPSRUNBOOK_TEST_TLS_EXPIRING_PORT = "$($tlsPorts[1])"
    $script:Environment.OPSRUNBOOK_TEST_TLS_EXPIRED_PORT = "$($tlsPorts[2])"
}

function Start-TestPrometheus([string]$Root) {
    <# A real Prometheus scraping the HTTP test service every second, with rules that fire and wait at once. #>
    $dir = Join-Path $Root prometheus
    $null = New-Item -ItemType Directory $dir, (Join-Path $dir data)
    $port = Get-FreePort
    $service = ([uri]$script:Environment.OPSRUNBOOK_TEST_HTTP_URL).Authority
    @"
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: testservice
    static_configs:
      - targets: ['$service']
"@ | Set-Content (Join-Path $dir prometheus.yml)
    # Watchdog always fires (the common dead-man's switch); the other waits an hour, so it stays Pending.
    @'
groups:
  - name: testbed
    rules:
      - alert: Watchdog
        expr: vector(1)
        labels:
          severity: none
        annotations:
          summary: Always firing, to show the alerting pipeline works
      - alert: AlwaysPending
        expr: vector(1)
        for: 1h
        labels:
          severity: warning
        annotations:
          summary: Never fires within a test run
'@ | Set-Content (Join-Path $dir rules.yml)
    $null = Start-TestBedProcess -Root $Root -Name prometheus -FilePath (Get-Command prometheus).Source -ArgumentList @(
        "--config.file=$(Join-Path $dir prometheus.yml)", "--storage.tsdb.path=$(Join-Path $dir data)",
        "--web.listen-address=127.0.0.1:$port", '--storage.tsdb.retention.time=2h', '--log.level=warn')
    $url = "http://127.0.0.1:$port"
    Wait-Until "Prometheus on 127.0.0.1:$port" -Log (Join-Path $Root logs/prometheus.err.log) {
        (& curl -s --max-time 2 "$url/-/ready" 2>$null) -match 'Ready'
    }
    # Ready, and has scraped the service and evaluated its rules once.
    Wait-Until "Prometheus's first scrape of the test service" -Log (Join-Path $Root logs/prometheus.err.log) {
        $up = & curl -s --max-time 2 "$url/api/v1/query?query=up%7Bjob%3D%22testservice%22%7D" 2>$null | ConvertFrom-Json -ErrorAction Ignore
        $alerts = & curl -s --max-time 2 "$url/api/v1/alerts" 2>$null | ConvertFrom-Json -ErrorAction Ignore
        $up -and @($up.data.result).Count -eq 1 -and $up.data.result[0].value[1] -eq '1' -and
            $alerts -and @($alerts.data.alerts | Where-Object { $_.labels.alertname -eq 'Watchdog' -and $_.state -eq 'firing' }).Count -eq 1
    }
    $script:Environment.OPSRUNBOOK_TEST_PROMETHEUS_URL = $url
}

function New-TestAppLog([string]$RepositoryRoot, [string]$Configuration) {
    <# Seed 004's JSON-lines log, 1,000,000 lines with known counts (app.log.counts.json beside it), once per run. #>
    $dll = Join-Path $RepositoryRoot "tests/OpsRunbook.TestService/bin/$Configuration/net10.0/OpsRunbook.TestService.dll"
    $log = Join-Path $script:Environment.OPSRUNBOOK_TEST_ARTIFACTS 'app.log'
    Invoke-Checked 'writing the 1,000,000-line test log' { & dotnet $dll --write-log $log --lines 1000000 } | Out-Null
    $script:Environment.OPSRUNBOOK_TEST_APP_LOG = $log
}

function Stop-TestBed {
    <# Stops, by the recorded process ids and in reverse order, every process Start-TestBed started. #>
    param([Parameter(Mandatory)][string]$Root, [switch]$Remove)
    $statePath = Join-Path $Root 'state.json'
    if (-not (Test-Path $statePath)) { return }
    $state = Get-Content $statePath -Raw | ConvertFrom-Json
    $processes = @($state.Processes)
    [array]::Reverse($processes)
    foreach ($entry in $processes) {
        if (-not (Test-Path "/proc/$($entry.Pid)")) { continue }
        & kill "-$($entry.Signal)" $entry.Pid 2>$null
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        while ((Test-Path "/proc/$($entry.Pid)") -and [datetime]::UtcNow -lt $deadline) {
            # A child of this pwsh stays a zombie until reaped; the wait reaps it.
            try { (Get-Process -Id $entry.Pid -ErrorAction Stop).WaitForExit(200) | Out-Null } catch { break }
        }
        if (Test-Path "/proc/$($entry.Pid)/exe") {
            Write-Warning "Test bed: $($entry.Name) (pid $($entry.Pid)) did not stop on SIG$($entry.Signal); killing it."
            & kill -KILL $entry.Pid 2>$null
        }
    }
    # dockerd leaves the mount of its exec-root's network namespace behind when it exits: ours, under our root.
    $mounts = @(Get-Content /proc/self/mounts | ForEach-Object { ($_ -split ' ')[1] } | Where-Object { $_.StartsWith("$Root/", [StringComparison]::Ordinal) })
    foreach ($mount in ($mounts | Sort-Object Length -Descending)) {
        & umount $mount 2>$null
        if ($LASTEXITCODE) { & umount -l $mount 2>$null }
    }
    if ($Remove) {
        Remove-Item -Recurse -Force $Root -ErrorAction SilentlyContinue
    }
}

function Get-TestBedKnownPassword { $script:KnownPassword }

function Get-TestBedHostilePassword {
    <# The hostile password set (hostile-passwords.json beside this module): Label (what test names show) and Password. #>
    Get-Content (Join-Path $PSScriptRoot 'hostile-passwords.json') -Raw -Encoding utf8 | ConvertFrom-Json
}

function Get-SecretForm([string]$Secret) {
    # How a leaked secret looks in a file: as it is, percent-encoded (upper- and lower-case hex), base64 of its UTF-8.
    $encoded = [uri]::EscapeDataString($Secret)
    @(
        $Secret
        $encoded
        [regex]::Replace($encoded, '%[0-9A-F]{2}', { param($m) $m.Value.ToLowerInvariant() })
        [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret))
    ) | Select-Object -Unique
}

function Find-TestBedLeak {
    <#
    .SYNOPSIS
    The files under the given folders that hold one of the secrets, in UTF-8 or UTF-16, as it is, percent-encoded or
    base64: dot-files and hidden folders included. -TemporaryFolder adds the entries of a temporary folder that
    OpsRunbook names (its work folders and uploads), -DockerRoot the container logs of a dockerd data root. Never
    prints a secret: only where it was found, and which of the secrets (by its position).
    #>
    param([string[]]$Path = @(), [Parameter(Mandatory)][string[]]$Secret, [string]$TemporaryFolder, [string]$DockerRoot)
    $files = [System.Collections.Generic.List[string]]::new()
    foreach ($folder in $Path | Where-Object { $_ -and (Test-Path $_) }) {
        Get-ChildItem -Path $folder -Recurse -File -Force -ErrorAction SilentlyContinue | ForEach-Object { $files.Add($_.FullName) }
    }
    if ($TemporaryFolder -and (Test-Path $TemporaryFolder)) {
        Get-ChildItem -Path $TemporaryFolder -Force -ErrorAction SilentlyContinue | Where-Object Name -match '^\.?opsrunbook-' |
            ForEach-Object { if ($_.PSIsContainer) { Get-ChildItem $_.FullName -Recurse -File -Force -ErrorAction SilentlyContinue | ForEach-Object { $files.Add($_.FullName) } } else { $files.Add($_.FullName) } }
    }
    if ($DockerRoot -and (Test-Path (Join-Path $DockerRoot 'containers'))) {
        Get-ChildItem -Path (Join-Path $DockerRoot 'containers') -Recurse -File -Force -Filter '*-json.log*' -ErrorAction SilentlyContinue | ForEach-Object { $files.Add($_.FullName) }
    }
    $forms = for ($i = 0; $i -lt $Secret.Count; $i++) { foreach ($form in Get-SecretForm $Secret[$i]) { [pscustomobject]@{ Index = $i; Text = $form } } }
    foreach ($file in $files | Select-Object -Unique) {
        # Read once: the generated test log is hundreds of megabytes.
        $bytes = [IO.File]::ReadAllBytes($file)
        $texts = @([Text.Encoding]::UTF8.GetString($bytes))
        if ([Array]::IndexOf($bytes, [byte]0) -ge 0) { $texts += [Text.Encoding]::Unicode.GetString($bytes) }
        $found = @($forms | Where-Object { $form = $_.Text; @($texts | Where-Object { $_.Contains($form) }).Count } | ForEach-Object Index | Select-Object -Unique)
        if ($found.Count) { [pscustomobject]@{ Path = $file; Secrets = ($found | ForEach-Object { "#$($_ + 1)" }) -join ', ' } }
    }
}

Export-ModuleMember -Function Start-TestBed, Stop-TestBed, Get-TestBedPrerequisite, Get-TestBedKnownPassword, Get-TestBedHostilePassword, Find-TestBedLeak, Get-PostgresBinDirectory
