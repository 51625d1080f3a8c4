# Shared by the Pester files: the built module, the test bed's addresses, inventories and fresh pwsh processes.
Set-StrictMode -Version Latest

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

function Get-RepositoryRoot { $script:RepositoryRoot }

function Get-BuiltModulePath {
    $path = Join-Path $script:RepositoryRoot 'out/OpsRunbook/OpsRunbook.psd1'
    if (-not (Test-Path $path)) { throw "$path is missing: build first (dotnet build -c Release)." }
    $path
}

function Import-BuiltModule {
    # -Global: imported from inside this helper module, it would otherwise be visible only here.
    if (-not (Get-Module OpsRunbook)) { Import-Module (Get-BuiltModulePath) -Global -ErrorAction Stop }
}

function Get-TestBed {
    <# The test bed's addresses, from the OPSRUNBOOK_TEST_* variables; fails loudly without them. #>
    $names = 'PASSWORD', 'ARTIFACTS', 'PG_HOST', 'PG_PORT', 'PG_USER', 'PG_DATABASE', 'PG_BIN', 'REDIS_HOST', 'REDIS_PORT', 'HTTP_URL',
        'TLS_CA', 'TLS_VALID_PORT', 'TLS_EXPIRING_PORT', 'TLS_EXPIRED_PORT', 'DOCKER_HOST', 'DOCKER_IMAGE', 'PROMETHEUS_URL', 'APP_LOG'
    $bed = [ordered]@{}
    foreach ($name in $names) {
        $value = [Environment]::GetEnvironmentVariable("OPSRUNBOOK_TEST_$name")
        if (-not $value) { throw "OPSRUNBOOK_TEST_$name is not set: the test bed is not running. Run ./test.sh (or dotnet pwsh ./build.ps1 -Task Test)." }
        $bed[$name] = $value
    }
    $bed.PostgresUri = "postgres://$($bed.PG_USER)@$($bed.PG_HOST):$($bed.PG_PORT)/$($bed.PG_DATABASE)"
    $bed.RedisUri = "redis://$($bed.REDIS_HOST):$($bed.REDIS_PORT)"
    [pscustomobject]$bed
}

function Get-ClosedPort {
    $listener = [System.Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-TestCredential {
    $bed = Get-TestBed
    [pscredential]::new($bed.PG_USER, (ConvertTo-SecureString $bed.PASSWORD -AsPlainText -Force))
}

function New-TestInventory {
    <# Writes the test stack (api, postgres, redis, the TLS endpoint) as an inventory; passwords by variable. #>
    param([Parameter(Mandatory)][string]$Path, [switch]$Json)
    $bed = Get-TestBed
    $services = @(
        [ordered]@{ Name = 'postgres'; Kind = 'Postgres'; Target = $bed.PostgresUri; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD'; Tags = @('infrastructure') }
        [ordered]@{ Name = 'redis'; Kind = 'Redis'; Target = $bed.RedisUri; PasswordVariable = 'OPSRUNBOOK_TEST_PASSWORD'; Tags = @('infrastructure') }
        [ordered]@{ Name = 'api'; Kind = 'Http'; Target = "$($bed.HTTP_URL)/health/ready"; DependsOn = @('postgres', 'redis'); Tags = @('app') }
        [ordered]@{ Name = 'api-tls'; Kind = 'Tls'; Target = "tls://127.0.0.1:$($bed.TLS_VALID_PORT)"; CaCertificate = $bed.TLS_CA; Tags = @('edge') }
    )
    if ($Json) {
        @{ Name = 'test-stack'; Services = $services } | ConvertTo-Json -Depth 5 | Set-Content $Path
    }
    else {
        $lines = foreach ($service in $services) {
            $fields = foreach ($key in $service.Keys) {
                $value = $service[$key]
                $text = if ($value -is [array]) { '@(' + (($value | ForEach-Object { "'$_'" }) -join ', ') + ')' } else { "'$value'" }
                "$key = $text"
            }
            '        @{ ' + ($fields -join '; ') + ' }'
        }
        @('@{', "    Name = 'test-stack'", '    Services = @(') + $lines + @('    )', '}') | Set-Content $Path
    }
    $Path
}

function Invoke-NewPwsh {
    <#
    Runs a command in a new pwsh -NoProfile (the same pwsh as this one) with the given extra environment.
    Returns its output lines; throws with the output when it exits non-zero. -NoConsoleInput closes its stdin
    before it starts reading, as a scheduler or Azure Automation would: anything that reads the console sees the end.
    #>
    param([Parameter(Mandatory)][string]$Command, [hashtable]$Environment = @{}, [string]$WorkingDirectory = $PWD, [switch]$NoConsoleInput)
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Command)) { $info.ArgumentList.Add($argument) }
    $info.WorkingDirectory = $WorkingDirectory
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $NoConsoleInput.IsPresent
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
    $process = [System.Diagnostics.Process]::Start($info)
    if ($NoConsoleInput) { $process.StandardInput.Close() }
    $stderr = $process.StandardError.ReadToEndAsync()
    $stdout = $process.StandardOutput.ReadToEnd()
    if (-not $process.WaitForExit(300000)) { $process.Kill($true); throw "pwsh did not finish within 300 s: $Command" }
    $output = ($stdout + $stderr.Result) -split "`r?`n" | Where-Object { $_ -ne '' }
    if ($process.ExitCode -ne 0) { throw "pwsh exited with $($process.ExitCode):`n$($output -join "`n")" }
    $output
}

function Save-TestArtifact {
    <# Keeps text a test produced where the test command's password sweep reads it. #>
    param([Parameter(Mandatory)][string]$Name, [Parameter(Mandatory, ValueFromPipeline)][AllowEmptyString()][string]$Text)
    process { Add-Content -Path (Join-Path (Get-TestBed).ARTIFACTS $Name) -Value $Text }
}


function Register-TestSecretFixture {
    <#
    Declares a file a fixture wrote with a test password in it (a redis.conf with requirepass), so that the sweep of
    TestDrive before Pester removes it does not count it, nor a byte-for-byte copy of it (a restore point's).
    #>
    param([Parameter(Mandatory)][string]$Path)
    if ($env:OPSRUNBOOK_TEST_SECRET_FIXTURES) {
        Add-Content -LiteralPath $env:OPSRUNBOOK_TEST_SECRET_FIXTURES (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
    }
}

function ConvertTo-TestBedAddress {
    <#
    Docs and samples address services as the seed runbook does (localhost:8000, :5432, :6379, :8443, Prometheus
    on :9090); this points those addresses at the test bed.
    #>
    param([Parameter(Mandatory, ValueFromPipeline)][string]$Text)
    process {
        $bed = Get-TestBed
        $http = ([uri]$bed.HTTP_URL).Port
        $Text.Replace('localhost:8000', "127.0.0.1:$http").
            Replace('localhost:9090', ([uri]$bed.PROMETHEUS_URL).Authority).
            Replace('localhost:8443', "127.0.0.1:$($bed.TLS_EXPIRING_PORT)").
            Replace('localhost:5432', "127.0.0.1:$($bed.PG_PORT)").
            Replace('localhost:6379', "127.0.0.1:$($bed.REDIS_PORT)")
    }
}

function Initialize-ExampleDirectory {
    <#
    A working folder as the docs' examples expect it: ./stack.psd1 (the sample inventory), ./ca.pem, seed 004's
    ./app.log with a gzip-rotated ./app.log.1.gz, seed 000's ./prometheus-rules.yaml and seed 002's thresholds in
    ./service-rules.yaml, and the environment the seed's application has (DATABASE_URL, REDIS_URL, the inventory's
    password variables, PROMETHEUS_URL).
    #>
    param([Parameter(Mandatory)][string]$Path)
    $bed = Get-TestBed
    $null = New-Item -ItemType Directory -Force $Path
    Get-Content (Join-Path (Get-RepositoryRoot) 'samples/portfolio-advisor.stack.psd1') -Raw |
        ConvertTo-TestBedAddress | Set-Content (Join-Path $Path 'stack.psd1')
    Copy-Item $bed.TLS_CA (Join-Path $Path 'ca.pem')
    $password = [uri]::EscapeDataString($bed.PASSWORD)
    Initialize-ExampleStack
    Initialize-ExampleDatabase
    Initialize-ExampleBackups (Join-Path $Path 'backups')
    Initialize-ExampleRollbackPoint -Path $Path
    Initialize-ExampleObservability -Path $Path
    Initialize-ExampleIncidents (Join-Path $Path 'incidents')
    @{
        PGPASSWORD               = $bed.PASSWORD
        PROMETHEUS_URL           = $bed.PROMETHEUS_URL
        DATABASE_URL             = "postgres://$($bed.PG_USER):$password@$($bed.PG_HOST):$($bed.PG_PORT)/portfolio_advisor"
        REDIS_URL                = "redis://:$password@$($bed.REDIS_HOST):$($bed.REDIS_PORT)"
        PORTFOLIO_PG_PASSWORD    = $bed.PASSWORD
        PORTFOLIO_REDIS_PASSWORD = $bed.PASSWORD
        DOCKER_HOST              = $bed.DOCKER_HOST
        # The incident cmdlets' store and seed 004's webhook variable (the test service records what is posted).
        OPSRUNBOOK_INCIDENT_STORE = Join-Path $Path 'incidents'
        SLACK_WEBHOOK_URL         = "$($bed.HTTP_URL)/webhook/docs"
    }
}

function Initialize-ExampleIncidents([string]$Store) {
    <# An incident store as an on-call week leaves it: an open P1 on the api, and a resolved P2 on the cache. #>
    Import-BuiltModule
    if (Test-Path $Store) { return }
    $null = Start-IncidentResponse -Store $Store -Title 'Cache hit rate under 50%' -Severity P2 -Service redis -Commander bob |
        Close-Incident -Store $Store -Resolution 'Raised the TTL of market quotes to 1 hour' -RootCause 'Quote TTL of 5 minutes after a config change'
    $null = Start-IncidentResponse -Store $Store -Title 'API readiness failing' -Severity P1 -Service api -Impact 'Every analysis request fails with 503'
    # Opening made it current; the examples choose for themselves.
    Set-IncidentContext -Clear
}

function Initialize-ExampleObservability {
    <# Seed 004's structured log (one trace failing, a slow request, a leaked key), its rotated part, and seed 000's and 002's rules. #>
    param([Parameter(Mandatory)][string]$Path)
    $trace = '550e8400-e29b-41d4-a716-446655440000'
    @(
        '{"time":"2026-11-27T10:00:00.000Z","level":"INFO","event":"startup","msg":"agent-node listening on :3000"}'
        "{`"time`":`"2026-11-27T10:00:01.000Z`",`"level`":`"INFO`",`"event`":`"request_started`",`"msg`":`"analyze`",`"traceId`":`"$trace`",`"route`":`"/analyze`"}"
        "{`"time`":`"2026-11-27T10:00:02.000Z`",`"level`":`"ERROR`",`"event`":`"request_failed`",`"msg`":`"provider timed out`",`"traceId`":`"$trace`",`"error`":{`"name`":`"TimeoutError`"}}"
        '{"time":"2026-11-27T10:00:02.500Z","level":"ERROR","event":"request_failed","msg":"bad input","traceId":"7d1f0c2a-0000-4000-8000-000000000001","error":{"name":"ValidationError"}}'
        "{`"time`":`"2026-11-27T10:00:03.000Z`",`"level`":`"ERROR`",`"event`":`"request_failed`",`"msg`":`"provider timed out`",`"traceId`":`"$trace`",`"error`":{`"name`":`"TimeoutError`"}}"
        "{`"time`":`"2026-11-27T10:00:04.000Z`",`"level`":`"INFO`",`"event`":`"request_completed`",`"msg`":`"analyze done`",`"traceId`":`"$trace`",`"duration`":4210,`"status`":200}"
        '{"time":"2026-11-27T10:00:05.000Z","level":"INFO","event":"request_completed","msg":"quote done","traceId":"7d1f0c2a-0000-4000-8000-000000000002","duration":35,"status":200}'
        '{"time":"2026-11-27T10:00:06.000Z","level":"WARN","event":"config_loaded","msg":"provider configured","api_key":"sk-live-3f9a0c1b2d4e5f60718293a4"}'
        '{"time":"2026-11-27T10:00:07.000Z","level":"INFO","event":"config_loaded","msg":"database configured","password":"[REDACTED]"}'
        '{"time":"2026-11-27T10:00:08.000Z","level":"INFO","event":"request_comp'
    ) | Set-Content (Join-Path $Path 'app.log')
    $rotated = Join-Path $Path 'app.log.1.gz'
    $older = "{`"time`":`"2026-11-26T23:59:59.000Z`",`"level`":`"INFO`",`"event`":`"request_started`",`"msg`":`"retry`",`"traceId`":`"$trace`"}`n"
    $file = [System.IO.File]::Create($rotated)
    try {
        $gzip = [System.IO.Compression.GZipStream]::new($file, [System.IO.Compression.CompressionLevel]::Optimal)
        $bytes = [System.Text.Encoding]::UTF8.GetBytes($older)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose()
    }
    finally { $file.Dispose() }
    (Get-Item $rotated).LastWriteTimeUtc = [datetime]::UtcNow.AddDays(-1)
    @'
# prometheus-rules.yaml (seed 000)
- alert: HighLatency
  expr: histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 30
  for: 5m
  labels:
    severity: warning
  annotations:
    summary: "High P95 latency detected"

- alert: HighErrorRate
  expr: sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05
  for: 5m
  labels:
    severity: critical
  annotations:
    summary: "Error rate exceeds 5%"
'@ | Set-Content (Join-Path $Path 'prometheus-rules.yaml')
    @'
# seed 002's thresholds on the service's own /metrics JSON
- alert: HighErrorRate
  metric: error_rate
  operator: '>'
  threshold: 0.05
  labels: { severity: critical }
  annotations: { summary: "Error rate is {{ $value | humanizePercentage }}, alert above 5%" }
- alert: LowCacheHitRate
  metric: cache_hit_rate
  operator: '<'
  threshold: 0.5
  labels: { severity: warning }
  annotations: { summary: "Cache hit rate is {{ $value | humanizePercentage }}, alert under 50%" }
'@ | Set-Content (Join-Path $Path 'service-rules.yaml')
}

function Get-DocExample {
    <#
    The examples of a docs page in the platyPS schema: title, the code of its powershell block, and what its text says
    it writes, from the page's <!-- output: ... --> note: a type name, "text" (formatted output), or "none".
    #>
    param([Parameter(Mandatory)][string]$Path)
    $text = Get-Content $Path -Raw
    $examples = [regex]::Split(($text -split '(?m)^## EXAMPLES\s*$')[1], '(?m)^## ')[0]
    foreach ($match in [regex]::Matches($examples, '(?ms)^### (?<title>[^\r\n]+)\s+```powershell\r?\n(?<code>.*?)```(?<rest>.*?)(?=^### |\z)')) {
        $output = [regex]::Match($match.Groups['rest'].Value, '<!--\s*output:\s*(?<output>[^>]+?)\s*-->')
        [pscustomobject]@{
            Title  = $match.Groups['title'].Value.Trim()
            Code   = $match.Groups['code'].Value
            Output = if ($output.Success) { $output.Groups['output'].Value } else { $null }
        }
    }
}

function Test-ExampleOutput {
    <# Whether what an example wrote is what its page says: objects of the type named, formatted text, or nothing. #>
    param([object[]]$Output, [string]$Expected)
    $written = @($Output | Where-Object { $_ -isnot [System.Management.Automation.InformationRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] -and $_ -isnot [System.Management.Automation.VerboseRecord] })
    switch ($Expected) {
        'none' { return $written.Count -eq 0 }
        'text' { return $written.Count -gt 0 -and @($written | Where-Object { $_ -isnot [string] -and $_.GetType().FullName -notlike 'Microsoft.PowerShell.Commands.Internal.Format.*' }).Count -eq 0 }
        default {
            return $written.Count -gt 0 -and @($written | Where-Object { -not ($_.PSObject.TypeNames | Where-Object { $_ -eq $Expected -or $_ -eq "Selected.$Expected" -or $_ -eq "System.$Expected" }) }).Count -eq 0
        }
    }
}

function Use-Environment {
    <#
    Runs a script block with environment variables set, then puts each back as it was: a variable that was not
    set is removed again (not set to an empty string, which tools such as initdb read as a value).
    #>
    param([Parameter(Mandatory)][hashtable]$Variables, [Parameter(Mandatory)][scriptblock]$ScriptBlock)
    $saved = @{}
    foreach ($name in $Variables.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        Set-Item "Env:$name" $Variables[$name]
    }
    try { & $ScriptBlock }
    finally {
        foreach ($name in $saved.Keys) {
            if ($null -eq $saved[$name]) { Remove-Item "Env:$name" -ErrorAction Ignore } else { Set-Item "Env:$name" $saved[$name] }
        }
    }
}

function Invoke-Docker {
    <# The docker CLI against the test bed's daemon: test setup and the independent witness of container states. #>
    $saved = $env:DOCKER_HOST
    $env:DOCKER_HOST = (Get-TestBed).DOCKER_HOST
    try {
        $output = & docker @args 2>&1
        if ($LASTEXITCODE -ne 0) { throw "docker $($args -join ' ') failed: $($output -join "`n")" }
        $output
    }
    finally { $env:DOCKER_HOST = $saved }
}

function Get-DockerState([string]$Container, [string]$Format = '{{.State.Status}}') { (Invoke-Docker inspect -f $Format $Container) -join '' }

function New-TestContainer {
    <# A busybox container labelled as compose labels its containers; it exits at once on SIGTERM unless -Script says otherwise. #>
    param(
        [Parameter(Mandatory)][string]$Project, [Parameter(Mandatory)][string]$Service, [string]$Script = "trap 'exit 0' TERM; while true; do sleep 0.1; done",
        [string[]]$DependsOn = @(), [string]$HealthCommand, [switch]$NoStart, [string[]]$Option = @(), [string]$Image = (Get-TestBed).DOCKER_IMAGE,
        [string[]]$Command
    )
    $name = "$Project-$Service-1"
    $arguments = @('create', '--name', $name, '--label', "com.docker.compose.project=$Project", '--label', "com.docker.compose.service=$Service")
    if ($DependsOn) { $arguments += @('--label', "com.docker.compose.depends_on=$(($DependsOn | ForEach-Object { "${_}:service_healthy:false" }) -join ',')") }
    if ($HealthCommand) { $arguments += @('--health-cmd', $HealthCommand, '--health-interval', '1s', '--health-retries', '3') }
    $arguments += $Option
    $arguments += $Image
    $arguments += if ($Command) { $Command } else { @('sh', '-c', $Script) }
    $null = Invoke-Docker @arguments
    if (-not $NoStart) { $null = Invoke-Docker start $name }
    $name
}

function Remove-TestProject([string]$Project) {
    $ids = Invoke-Docker ps -aq --filter "label=com.docker.compose.project=$Project"
    if ($ids) { $null = Invoke-Docker rm -f @($ids) }
}

function Invoke-TestPsql {
    <# psql against the test bed as -User (the superuser by default), failing loudly. #>
    param([Parameter(Mandatory)][string]$Sql, [string]$Database = 'postgres', [string]$User = 'postgres')
    $bed = Get-TestBed
    $output = Use-Environment @{ PGPASSWORD = $bed.PASSWORD } {
        & "$($bed.PG_BIN)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h $bed.PG_HOST -p $bed.PG_PORT -U $User -d $Database -c $Sql 2>&1
    }
    if ($LASTEXITCODE) { throw "psql: $output" }
    $output
}

function Initialize-ExampleDatabase {
    <#
    Seed 000's application database as the docs' examples see it: portfolio_advisor, owned by the application role,
    with customers, orders and a bloated events table, and one worker session running a long query. Made once.
    #>
    $bed = Get-TestBed
    if (-not (Invoke-TestPsql "SELECT 1 FROM pg_database WHERE datname = 'portfolio_advisor'")) {
        $null = Invoke-TestPsql "CREATE DATABASE portfolio_advisor OWNER $($bed.PG_USER)"
        $null = Invoke-TestPsql -Database portfolio_advisor -User $bed.PG_USER -Sql @'
CREATE TABLE customers (id serial PRIMARY KEY, name text, email text, created_at timestamptz DEFAULT now());
INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.test' FROM generate_series(1, 2000) g;
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int REFERENCES customers, symbol text, quantity int, placed_at timestamptz, analysis jsonb);
INSERT INTO orders (customer_id, symbol, quantity, placed_at, analysis)
SELECT 1 + g % 2000, (ARRAY['AAPL','MSFT','NVDA','TSLA'])[1 + g % 4], g % 100, now() - g * interval '1 minute', jsonb_build_object('score', g % 10)
FROM generate_series(1, 20000) g;
CREATE INDEX orders_by_customer ON orders (customer_id);
CREATE TABLE events (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = false);
INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 20000) g;
UPDATE events SET payload = payload || 'x';
UPDATE events SET payload = payload || 'y';
'@
        $null = Invoke-TestPsql -Database portfolio_advisor -User $bed.PG_USER -Sql 'ANALYZE'
    }
    # Its bloat again, when a VACUUM FULL of an earlier run on this test bed took it away (two thirds of the heap dead).
    if ([long](Invoke-TestPsql -Database portfolio_advisor -Sql "SELECT pg_relation_size('events')") -lt 3MB) {
        $null = Invoke-TestPsql -Database portfolio_advisor -User $bed.PG_USER -Sql "UPDATE events SET payload = payload || 'x'; UPDATE events SET payload = payload || 'y'; ANALYZE events"
    }
    Start-ExampleWorkerSession
}

function Start-ExampleWorkerSession {
    <#
    A worker of the application, busy with one long query: what Get-DatabaseActivity shows. It runs in the test
    bed's other database, so its snapshot does not hold up REINDEX CONCURRENTLY in portfolio_advisor.
    Stopped by Stop-ExampleWorkerSession.
    #>
    $bed = Get-TestBed
    $pidFile = Join-Path $bed.ARTIFACTS 'example-worker.pid'
    if ((Test-Path $pidFile) -and (Test-Path "/proc/$(Get-Content $pidFile)")) { return }
    $process = Use-Environment @{ PGPASSWORD = $bed.PASSWORD; PGAPPNAME = 'portfolio-worker' } {
        Start-Process -FilePath "$($bed.PG_BIN)/psql" -PassThru -RedirectStandardOutput (Join-Path $bed.ARTIFACTS 'example-worker.out') -RedirectStandardError (Join-Path $bed.ARTIFACTS 'example-worker.err') `
            -ArgumentList @('-X', '-q', '-h', $bed.PG_HOST, '-p', $bed.PG_PORT, '-U', $bed.PG_USER, '-d', $bed.PG_DATABASE, '-c', '"SELECT pg_sleep(900)"')
    }
    Set-Content $pidFile $process.Id
}

function Stop-ExampleWorkerSession {
    # Ending psql does not end its query on the server: the session is terminated there too.
    $null = Invoke-TestPsql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'portfolio-worker'"
    $pidFile = Join-Path (Get-TestBed).ARTIFACTS 'example-worker.pid'
    if (Test-Path $pidFile) {
        $id = Get-Content $pidFile
        if (Test-Path "/proc/$id") { & kill -TERM $id 2>$null }
        Remove-Item $pidFile
    }
}

function Initialize-ExampleRollbackPoint([string]$Path) {
    <#
    Seed 003's backups/ with one restore point of the example stack in it, named 'before 1.4.2'. Taken once per test
    bed with the built module, then copied: a point is a folder, and a copy of it is as good.
    #>
    $bed = Get-TestBed
    $cache = Join-Path $bed.ARTIFACTS 'example-rollback-points'
    if (-not (Test-Path $cache)) {
        Import-BuiltModule
        $password = $bed.PASSWORD
        $taken = Join-Path $bed.ARTIFACTS 'example-rollback-points.partial'
        Use-Environment @{ PORTFOLIO_PG_PASSWORD = $password; PORTFOLIO_REDIS_PASSWORD = $password; DOCKER_HOST = $bed.DOCKER_HOST } {
            $null = New-RollbackPoint -Inventory (Join-Path $Path 'stack.psd1') -Path $taken -Name 'before 1.4.2'
        }
        Move-Item $taken $cache
    }
    $backups = Join-Path $Path 'backups'
    $null = New-Item -ItemType Directory -Force $backups
    Get-ChildItem $cache -Directory | Copy-Item -Destination $backups -Recurse -Force
}

function Initialize-ExampleBackups([string]$Folder) {
    <# A backups folder as seed 001's backup.sh leaves it: pg_dump | gzip, and a sha256sum sidecar. #>
    $bed = Get-TestBed
    $null = New-Item -ItemType Directory -Force $Folder
    $name = "backup_portfolio_advisor_$([datetime]::UtcNow.ToString('yyyyMMdd_HHmmss')).sql.gz"
    $line = "set -o pipefail; '$($bed.PG_BIN)/pg_dump' -h $($bed.PG_HOST) -p $($bed.PG_PORT) -U $($bed.PG_USER) portfolio_advisor | gzip > '$name' && sha256sum '$name' > '$name.sha256'"
    $output = Use-Environment @{ PGPASSWORD = $bed.PASSWORD } { Push-Location $Folder; try { & bash -c $line 2>&1 } finally { Pop-Location } }
    if ($LASTEXITCODE) { throw "Making the example backup failed: $output" }
}

function Initialize-ExampleStack {
    <#
    The Portfolio Advisor of seed 000 as the docs' examples see it: compose project portfolio-advisor with
    postgres, redis and api containers (busybox stand-ins; the api writes the seed's structured logs).
    Made once, and started again before each example.
    #>
    $project = 'portfolio-advisor'
    $api = @'
trap 'exit 0' TERM
echo '{"level":"INFO","event":"startup","msg":"api listening on :8000"}'
echo '{"level":"ERROR","msg":"Analysis failed","trace_id":"trace-abc123","error":{"name":"UpstreamTimeout"}}'
echo 'level=warn msg="circuit_opened" dependency=market-data failures=5'
echo '{"level":"INFO","msg":"request completed","trace_id":"trace-abc123","latency_ms":12040,"status":500}'
echo 'level=info msg="circuit_closed" dependency=market-data'
while true; do sleep 0.1; done
'@
    if (-not (Invoke-Docker ps -aq --filter "label=com.docker.compose.project=$project")) {
        $null = New-TestContainer -Project $project -Service postgres -HealthCommand 'true' -NoStart -Script "trap 'exit 0' TERM; echo 'database system is ready to accept connections'; while true; do sleep 0.1; done"
        $null = New-TestContainer -Project $project -Service redis -HealthCommand 'true' -NoStart -Script "trap 'exit 0' TERM; echo 'Ready to accept connections tcp'; while true; do sleep 0.1; done"
        $null = New-TestContainer -Project $project -Service api -DependsOn postgres, redis -NoStart -Script $api
    }
    $stopped = Invoke-Docker ps -aq --filter "label=com.docker.compose.project=$project" --filter 'status=exited' --filter 'status=created'
    if ($stopped) { $null = Invoke-Docker start @($stopped) }
}

# The host's binaries, bind-mounted read-only into the bed's busybox image: real postgres and redis-server in containers.
$script:HostBinaryMounts = @('--network', 'host', '-v', '/usr:/usr:ro', '-v', '/lib:/lib:ro', '-v', '/lib64:/lib64:ro', '-v', '/etc:/etc:ro')

function New-StackPostgres {
    <# A stack's PostgreSQL container (not started): the host's binaries, its data in -Data on a bind mount, on loopback. #>
    param([string]$Project, [string]$Data, [int]$Port, [switch]$NoInitdb)
    $bed = Get-TestBed
    & chown postgres:postgres $Data
    if (-not $NoInitdb) {
        $output = & setpriv --reuid=postgres --regid=postgres --init-groups -- "$($bed.PG_BIN)/initdb" -D "$Data/data" -U postgres --auth=trust --no-sync 2>&1
        if ($LASTEXITCODE) { throw "initdb failed: $output" }
    }
    $uid = (& id -u postgres); $gid = (& id -g postgres)
    # Parallel queries need more shared memory than docker's default 64 MB /dev/shm.
    New-TestContainer -Project $Project -Service postgres -NoStart -HealthCommand "$($bed.PG_BIN)/pg_isready -q -h 127.0.0.1 -p $Port" `
        -Option ($script:HostBinaryMounts + @('--user', "${uid}:${gid}", '--shm-size', '256m', '-v', "${Data}:/pg")) `
        -Command @("$($bed.PG_BIN)/postgres", '-D', '/pg/data', '-c', 'listen_addresses=127.0.0.1', '-c', "port=$Port", '-c', 'unix_socket_directories=/tmp', '-c', 'fsync=off')
}

function New-ThreeTierStack {
    <#
    A real three-tier stack as compose would label it: PostgreSQL and redis-server (the host's binaries,
    mounted read-only) and an HTTP API (busybox httpd, under docker's init so SIGTERM stops it) that depends
    on both; host networking on free loopback ports; HEALTHCHECKs like a compose file's. Created, not started. -BrokenDatabase points PostgreSQL at an
    empty data directory, so it exits at once. -DynamicApi adds seed 002's backend endpoints as CGI scripts:
    /cgi-bin/health asks Redis and PostgreSQL each time (200 and "degraded", Redis named, while Redis is down: the
    memory fallback), /cgi-bin/metrics is seed 002's flat JSON (cache_hit_rate from Redis's own counters; error_rate
    and avg_response_time from <www>/state, which a drill writes to inject a fault), and /cgi-bin/log appends
    -DynamicApi's request log lines to the container's output. -PersistentRedis keeps Redis's keys across a stop (RDB
    saved on SIGTERM into its own folder).
    #>
    param([Parameter(Mandatory)][string]$Project, [Parameter(Mandatory)][string]$Root, [switch]$BrokenDatabase, [switch]$DynamicApi, [switch]$PersistentRedis,
        # Lines the API writes to its log each time it starts (a failed request of the seed, say), before it serves.
        [string[]]$ApiLog = @())
    $bed = Get-TestBed
    $pgPort = Get-ClosedPort; $redisPort = Get-ClosedPort; $httpPort = Get-ClosedPort
    $data = Join-Path $Root "$Project-pg"
    $www = Join-Path $Root "$Project-www"
    $null = New-Item -ItemType Directory -Force $data, (Join-Path $www 'health')
    '{"status":"ready","checks":{"postgresql":{"status":"ok"},"redis":{"status":"ok"}},"version":"1.0.0"}' | Set-Content (Join-Path $www 'health/ready')
    $postgres = New-StackPostgres -Project $Project -Data $data -Port $pgPort -NoInitdb:$BrokenDatabase
    $redisOptions = $script:HostBinaryMounts
    $persistence = @('--save', '', '--appendonly', 'no')
    if ($PersistentRedis) {
        $redisData = Join-Path $Root "$Project-redis"
        $null = New-Item -ItemType Directory -Force $redisData
        $redisOptions += @('-v', "${redisData}:/data")
        $persistence = @('--dir', '/data', '--save', '3600 1', '--appendonly', 'no')
    }
    $redis = New-TestContainer -Project $Project -Service redis -NoStart -HealthCommand "redis-cli -p $redisPort ping | grep -q PONG" `
        -Option $redisOptions -Command (@('/usr/bin/redis-server', '--port', "$redisPort", '--bind', '127.0.0.1') + $persistence)
    $apiOptions = @('--init', '--network', 'host', '-v', "${www}:/www:ro")
    $apiHealth = "http://127.0.0.1:$httpPort/health/ready"
    if ($DynamicApi) {
        $null = New-Item -ItemType Directory -Force (Join-Path $www 'cgi-bin'), (Join-Path $www 'state')
        '0.01' | Set-Content (Join-Path $www 'state/error_rate')
        '0.35' | Set-Content (Join-Path $www 'state/avg_response_time')
        $cgi = @{
            health  = @"
#!/bin/sh
if /usr/bin/redis-cli -p $redisPort ping 2>/dev/null | grep -q PONG; then redis='{"status":"ok"}'; status=ok
else redis='{"status":"disconnected","error":"Connection refused: cache and rate limits in memory (degraded mode)"}'; status=degraded; fi
if $($bed.PG_BIN)/pg_isready -q -h 127.0.0.1 -p $pgPort; then pg='{"status":"ok"}'; else pg='{"status":"down","error":"Connection refused"}'; status=not_ready; fi
printf 'Content-Type: application/json\r\n\r\n{"status":"%s","checks":{"redis":%s,"postgresql":%s},"version":"2.3.0"}\n' "`$status" "`$redis" "`$pg"
"@
            metrics = @"
#!/bin/sh
hits=`$(/usr/bin/redis-cli -p $redisPort info stats 2>/dev/null | tr -d '\r' | sed -n 's/^keyspace_hits://p')
misses=`$(/usr/bin/redis-cli -p $redisPort info stats 2>/dev/null | tr -d '\r' | sed -n 's/^keyspace_misses://p')
rate=`$(awk -v h="`${hits:-0}" -v m="`${misses:-0}" 'BEGIN { if (h + m > 0) printf "%.4f", h / (h + m); else print 0 }')
printf 'Content-Type: application/json\r\n\r\n{"error_rate":%s,"cache_hit_rate":%s,"avg_response_time":%s,"requests_total":1200}\n' "`$(cat /www/state/error_rate)" "`$rate" "`$(cat /www/state/avg_response_time)"
"@
        }
        foreach ($name in $cgi.Keys) {
            $file = Join-Path $www "cgi-bin/$name"
            $cgi[$name].Replace("`r`n", "`n") | Set-Content -NoNewline $file
            & chmod 755 $file
        }
        $apiOptions = @('--init') + $script:HostBinaryMounts + @('-v', "${www}:/www:ro")
        $apiHealth = "http://127.0.0.1:$httpPort/cgi-bin/health"
    }
    $api = New-TestContainer -Project $Project -Service api -NoStart -DependsOn postgres, redis -HealthCommand "wget -q -O /dev/null $apiHealth" `
        -Option $apiOptions -Command $(if ($ApiLog) {
            $file = Join-Path $www 'startup.log'
            $ApiLog | Set-Content $file
            @('/bin/sh', '-c', "cat /www/startup.log; exec /bin/busybox httpd -f -p 127.0.0.1:$httpPort -h /www")
        }
        else { @('/bin/busybox', 'httpd', '-f', '-p', "127.0.0.1:$httpPort", '-h', '/www') })
    [pscustomobject]@{
        Project = $Project; Postgres = $postgres; Redis = $redis; Api = $api
        PostgresPort = $pgPort; RedisPort = $redisPort; HttpPort = $httpPort; Www = $www; ApiHealth = $apiHealth
    }
}

function New-RollbackTestStack {
    <#
    A stack to roll back, all in containers of the test bed's dockerd with compose labels and host networking on
    loopback: PostgreSQL (the host's binaries, its data on a bind mount) holding database app; redis-server with its
    dir inside the container only (so its RDB is reached through the Engine API) and its password in a mounted
    config file, never on a command line; and an API from an image made here (busybox httpd serving
    /health/ready), whose v2 answers 404 there. A compose file and an .env (mode 0600) are its configuration, and
    <Project>.stack.psd1 its inventory. Created and started healthy, with 300 accounts and 200 keys.
    #>
    param([Parameter(Mandatory)][string]$Project, [Parameter(Mandatory)][string]$Root, [int]$Rows = 300, [int]$Keys = 200)
    $bed = Get-TestBed
    $pgPort = Get-ClosedPort; $redisPort = Get-ClosedPort; $httpPort = Get-ClosedPort
    $data = Join-Path $Root "$Project-pg"
    $conf = Join-Path $Root "$Project-redis"
    $config = Join-Path $Root "$Project-config"
    $null = New-Item -ItemType Directory -Force $data, $conf, $config
    @('bind 127.0.0.1', "port $redisPort", 'dir /data', 'dbfilename dump.rdb', 'save ""', 'appendonly no', "requirepass $($bed.PASSWORD)") | Set-Content (Join-Path $conf 'redis.conf')
    & chmod 600 (Join-Path $conf 'redis.conf')
    Register-TestSecretFixture (Join-Path $conf 'redis.conf')

    # The API's two releases: v1 is ready, v2's readiness answers 404.
    $images = @{}
    foreach ($version in 'v1', 'v2') {
        $www = Join-Path $Root "$Project-www-$version"
        $null = New-Item -ItemType Directory -Force (Join-Path $www 'health')
        "release $version" | Set-Content (Join-Path $www 'version')
        if ($version -eq 'v1') { '{"status":"ready","checks":{"postgresql":{"status":"ok"},"redis":{"status":"ok"}}}' | Set-Content (Join-Path $www 'health/ready') }
        $builder = "$Project-build-$version"
        $null = Invoke-Docker create --name $builder $bed.DOCKER_IMAGE true
        $null = Invoke-Docker cp $www "${builder}:/www"
        $tag = "orb-api-${Project}:$version"
        $null = Invoke-Docker commit $builder $tag
        $null = Invoke-Docker rm $builder
        $images[$version] = (Invoke-Docker image inspect -f '{{.Id}}' $tag) -join ''
    }

    $postgres = New-StackPostgres -Project $Project -Data $data -Port $pgPort
    # NOAUTH is an answer too: the health check needs no password.
    $redis = New-TestContainer -Project $Project -Service redis -NoStart -HealthCommand "redis-cli -p $redisPort ping 2>&1 | grep -q -e PONG -e NOAUTH" `
        -Option ($script:HostBinaryMounts + @('-v', "${conf}:/conf:ro")) -Command @('/usr/bin/redis-server', '/conf/redis.conf')
    # The API holds a secret in its environment (from an env file, so it is on no command line).
    $apiEnvironment = Join-Path $conf 'api.env'
    "API_TOKEN=$($bed.PASSWORD)`nAPP_MODE=production" | Set-Content $apiEnvironment
    & chmod 600 $apiEnvironment
    Register-TestSecretFixture $apiEnvironment
    $api = New-RollbackTestApi -Project $Project -Version v1 -HttpPort $httpPort -EnvironmentFile $apiEnvironment

    "services:`n  api:`n    image: orb-api-${Project}:v1`n  postgres: {}`n  redis: {}" | Set-Content (Join-Path $config 'docker-compose.yml')
    "APP_RELEASE=v1`nSESSION_SECRET=s3cr3t-v1" | Set-Content (Join-Path $config '.env')
    & chmod 600 (Join-Path $config '.env')
    $inventory = Join-Path $Root "$Project.stack.psd1"
    @"
@{
    Name          = '$Project'
    DockerHost    = '$($bed.DOCKER_HOST)'
    Configuration = @('./$Project-config/docker-compose.yml', './$Project-config/.env')
    Services      = @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = 'postgres://postgres@127.0.0.1:$pgPort/app'; Container = '$postgres' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = 'redis://127.0.0.1:$redisPort'; PasswordVariable = 'ORB_REDIS_PASSWORD'; Container = '$redis' }
        @{ Name = 'api'; Kind = 'Http'; Target = 'http://127.0.0.1:$httpPort/health/ready'; Container = '$api'; DependsOn = 'postgres', 'redis' }
    )
}
"@ | Set-Content $inventory

    $null = Invoke-Docker start $postgres $redis
    $deadline = [datetime]::UtcNow.AddSeconds(60)
    while ($(& "$($bed.PG_BIN)/pg_isready" -q -h 127.0.0.1 -p $pgPort; $LASTEXITCODE) -ne 0) {
        if ([datetime]::UtcNow -gt $deadline) { throw "PostgreSQL of $Project did not start" }
        Start-Sleep -Milliseconds 200
    }
    $psql = @("$($bed.PG_BIN)/psql", '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $pgPort, '-U', 'postgres')
    & $psql[0] $psql[1..($psql.Count - 1)] -d postgres -c 'CREATE DATABASE app' | Out-Null
    & $psql[0] $psql[1..($psql.Count - 1)] -d app -c "CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12,2)); INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, $Rows) g" | Out-Null
    $stack = [pscustomobject]@{
        Project = $Project; Postgres = $postgres; Redis = $redis; Api = $api; Inventory = $inventory; Config = $config; ApiEnvironment = $apiEnvironment
        PostgresPort = $pgPort; RedisPort = $redisPort; HttpPort = $httpPort; ImageV1 = $images.v1; ImageV2 = $images.v2
    }
    $deadline = [datetime]::UtcNow.AddSeconds(30)
    while ((Invoke-StackRedis $stack PING) -ne 'PONG') {
        if ([datetime]::UtcNow -gt $deadline) { throw "Redis of $Project did not start" }
        Start-Sleep -Milliseconds 200
    }
    $null = Invoke-StackRedis $stack EVAL "for i=1,$Keys do redis.call('SET', 'cache:' .. i, 'value ' .. i) end" 0
    $null = Invoke-Docker start $api
    $stack
}

function New-RollbackTestApi {
    <# The rollback test stack's API container on release -Version: what a deployment creates (not started). #>
    param([string]$Project, [string]$Version, [int]$HttpPort, [string]$EnvironmentFile)
    New-TestContainer -Project $Project -Service api -NoStart -DependsOn postgres, redis -Image "orb-api-${Project}:$Version" `
        -HealthCommand "wget -q -O /dev/null http://127.0.0.1:$HttpPort/health/ready" `
        -Option @('--init', '--network', 'host', '--env-file', $EnvironmentFile) -Command @('httpd', '-f', '-p', "127.0.0.1:$HttpPort", '-h', '/www')
}

function Invoke-RollbackTestDeployment($Stack) {
    <# A bad release of a rollback test stack: rows and keys changed, the env file rewritten, the API recreated on v2, whose readiness fails. #>
    $null = Invoke-StackPsql $Stack "DELETE FROM accounts WHERE id <= 50; INSERT INTO accounts VALUES (1000, 'release 2 migration', 0)"
    $null = Invoke-StackRedis $Stack FLUSHALL
    $null = Invoke-StackRedis $Stack SET 'release' '2'
    "APP_RELEASE=v2`nSESSION_SECRET=s3cr3t-v2" | Set-Content (Join-Path $Stack.Config '.env')
    $null = Invoke-Docker rm -f $Stack.Api
    $null = New-RollbackTestApi -Project $Stack.Project -Version v2 -HttpPort $Stack.HttpPort -EnvironmentFile $Stack.ApiEnvironment
    $null = Invoke-Docker start $Stack.Api
}

function Get-RollbackTestWitness($Stack, [string]$Table = 'accounts') {
    <# What an operator checks of a rollback test stack, each by a tool of its own: rows by psql, keys by redis-cli, the API's image by docker inspect. #>
    [pscustomobject]@{
        Rows  = [long](Invoke-StackPsql $Stack "SELECT count(*) FROM $Table")
        Keys  = [long](Invoke-StackRedis $Stack DBSIZE)
        Image = (Invoke-Docker inspect -f '{{.Image}}' $Stack.Api) -join ''
    }
}

function Invoke-StackRedis($Stack, [Parameter(ValueFromRemainingArguments)][string[]]$Arguments) {
    <# redis-cli against a rollback test stack's Redis, its password in REDISCLI_AUTH, never on the command line. #>
    Use-Environment @{ REDISCLI_AUTH = (Get-TestBed).PASSWORD } { & redis-cli -h 127.0.0.1 -p $Stack.RedisPort @Arguments }
}

function Invoke-StackPsql($Stack, [string]$Sql) {
    <# psql against a rollback test stack's database app; one value per line. #>
    $output = & "$((Get-TestBed).PG_BIN)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c $Sql 2>&1
    if ($LASTEXITCODE) { throw "psql: $output" }
    $output
}

function Remove-RollbackTestStack($Stack) {
    if (-not $Stack) { return }
    Remove-TestProject $Stack.Project
    foreach ($version in 'v1', 'v2') { $null = Invoke-Docker rmi -f "orb-api-$($Stack.Project):$version" }
}

function New-DrillStack {
    <#
    A sample's drill stack: New-ThreeTierStack started and healthy, its inventory at <Root>/<Project>.psd1 (the
    Container of each service named, no password: the stack's PostgreSQL trusts loopback), and data to witness in
    both stores: the positions table of database app (-Rows rows) and Redis's cache:market:* keys (-Keys keys).
    #>
    param([Parameter(Mandatory)][string]$Project, [Parameter(Mandatory)][string]$Root, [int]$Rows = 1000, [int]$Keys = 500, [switch]$DynamicApi, [switch]$PersistentRedis,
        [string[]]$ApiLog = @())
    # A stack half made is removed again: nothing of it is left for the tests that follow.
    try {
        $bed = Get-TestBed
        $stack = New-ThreeTierStack -Project $Project -Root $Root -DynamicApi:$DynamicApi -PersistentRedis:$PersistentRedis -ApiLog $ApiLog
        $inventory = Join-Path $Root "$Project.psd1"
        @"
@{
    Name     = '$Project'
    Services = @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = 'postgres://postgres@127.0.0.1:$($stack.PostgresPort)/app'; Container = '$($stack.Postgres)'; Tags = 'infrastructure' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = 'redis://127.0.0.1:$($stack.RedisPort)'; Container = '$($stack.Redis)'; Tags = 'infrastructure' }
        @{ Name = 'api'; Kind = 'Http'; Target = '$($stack.ApiHealth)'; Container = '$($stack.Api)'; DependsOn = 'postgres', 'redis'; Tags = 'app' }
    )
}
"@ | Set-Content $inventory
        Import-BuiltModule
        # Started by the containers' HEALTHCHECKs: the inventory's database is made next.
        $null = Start-ServiceStack -Project $Project -TimeoutSec 120 -DockerHost $bed.DOCKER_HOST -Confirm:$false
        $output = & "$($bed.PG_BIN)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $stack.PostgresPort -U postgres -d postgres -c 'CREATE DATABASE app' 2>&1
        if ($LASTEXITCODE) { throw "Creating the drill's database failed: $output" }
        $output = & "$($bed.PG_BIN)/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $stack.PostgresPort -U postgres -d app -c @"
CREATE TABLE positions (id int PRIMARY KEY, symbol text NOT NULL, quantity numeric(12,2) NOT NULL);
INSERT INTO positions SELECT g, (ARRAY['AAPL','MSFT','NVDA','TSLA'])[1 + g % 4], round((random() * 1000)::numeric, 2) FROM generate_series(1, $Rows) g;
"@ 2>&1
        if ($LASTEXITCODE) { throw "Seeding the drill's database failed: $output" }
        $output = 1..$Keys | ForEach-Object { "SET cache:market:$_ quote-$_" } | & redis-cli -p $stack.RedisPort 2>&1
        if ($LASTEXITCODE) { throw "Seeding the drill's cache failed: $output" }
    }
    catch {
        Remove-TestProject $Project
        throw
    }
    $stack | Add-Member -NotePropertyName Inventory -NotePropertyValue $inventory -PassThru
}

function Get-DrillData {
    <# What the stack holds, read by psql and redis-cli as independent witnesses: row count and checksum, key count. #>
    param([Parameter(Mandatory)]$Stack)
    $bed = Get-TestBed
    $rows = & "$($bed.PG_BIN)/psql" -X -q -A -t -h 127.0.0.1 -p $Stack.PostgresPort -U postgres -d app -c "SELECT count(*) || ' rows, md5 ' || md5(string_agg(id || '/' || symbol || '/' || quantity, ',' ORDER BY id)) FROM positions" 2>&1
    [pscustomobject]@{ Postgres = "$rows"; RedisKeys = [int](& redis-cli -p $Stack.RedisPort dbsize) }
}

function Test-DrillStackHealthy {
    <#
    The docker daemon's own word: every container of the stack running with its HEALTHCHECK passing. A container just
    started stays "starting" until its first check (every second) passes: asked for up to -WithinSec.
    #>
    param([Parameter(Mandatory)]$Stack, [int]$WithinSec = 10)
    $deadline = [datetime]::UtcNow.AddSeconds($WithinSec)
    do {
        $healthy = @($Stack.Postgres, $Stack.Redis, $Stack.Api | Where-Object { (Get-DockerState $_ '{{.State.Health.Status}}') -ne 'healthy' }).Count -eq 0
        if ($healthy -or [datetime]::UtcNow -ge $deadline) { return $healthy }
        Start-Sleep -Milliseconds 250
    } while ($true)
}

function Invoke-Sample {
    <#
    Runs samples/<Name> in a new pwsh -NonInteractive with no console input, the built module on its PSModulePath and
    the test bed's docker daemon; returns its output lines, the last one 'exit-code:<n>'.
    #>
    param([Parameter(Mandatory)][string]$Name, [string]$Arguments, [hashtable]$Environment = @{}, [string]$WorkingDirectory = $PWD)
    $variables = @{ PSModulePath = (Join-Path (Get-RepositoryRoot) 'out') + [IO.Path]::PathSeparator + $env:PSModulePath; DOCKER_HOST = (Get-TestBed).DOCKER_HOST }
    foreach ($key in $Environment.Keys) { $variables[$key] = $Environment[$key] }
    Invoke-NewPwsh -NoConsoleInput -Environment $variables -WorkingDirectory $WorkingDirectory -Command @"
& '$(Get-RepositoryRoot)/samples/$Name' $Arguments
'exit-code:' + `$LASTEXITCODE
"@
}

function Assert-DrillActions {
    <#
    What a drill's post-mortem must show of the commands its sample ran: each started and ended within the run
    (-Began, -Ended), one after another, and each listed in -Report with its start time (UTC, to the millisecond) and
    its command. Returns the report's text.
    #>
    param([Parameter(Mandatory)][object[]]$Actions, [Parameter(Mandatory)][string]$ReportPath, [datetimeoffset]$Began, [datetimeoffset]$Ended)
    $report = Get-Content (Get-ChildItem $ReportPath -Filter '*-postmortem.md').FullName -Raw
    $report | Should -Match "$($Actions.Count) commands(, \d+ of them failed)?; times in UTC\."
    for ($i = 0; $i -lt $Actions.Count; $i++) {
        $action = $Actions[$i]
        $action.StartedAt | Should -BeGreaterOrEqual $Began
        ($action.StartedAt + $action.Duration) | Should -BeLessOrEqual $Ended
        if ($i) { $action.StartedAt | Should -BeGreaterOrEqual ($Actions[$i - 1].StartedAt + $Actions[$i - 1].Duration) }
        $report | Should -Match ([regex]::Escape("| $($action.StartedAt.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff')) | ") + '[^|]+' + [regex]::Escape(" | ``$($action.Command)"))
    }
    $report
}

Export-ModuleMember -Function *
