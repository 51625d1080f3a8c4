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
        'TLS_CA', 'TLS_VALID_PORT', 'TLS_EXPIRING_PORT', 'TLS_EXPIRED_PORT', 'DOCKER_HOST'
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
    Returns its output lines; throws with the output when it exits non-zero.
    #>
    param([Parameter(Mandatory)][string]$Command, [hashtable]$Environment = @{}, [string]$WorkingDirectory = $PWD)
    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Command)) { $info.ArgumentList.Add($argument) }
    $info.WorkingDirectory = $WorkingDirectory
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = $Environment[$key] }
    $process = [System.Diagnostics.Process]::Start($info)
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


function ConvertTo-TestBedAddress {
    <#
    Docs and samples address services as the seed runbook does (localhost:8000, :5432, :6379, :8443);
    this points those addresses at the test bed.
    #>
    param([Parameter(Mandatory, ValueFromPipeline)][string]$Text)
    process {
        $bed = Get-TestBed
        $http = ([uri]$bed.HTTP_URL).Port
        $Text.Replace('localhost:8000', "127.0.0.1:$http").
            Replace('localhost:8443', "127.0.0.1:$($bed.TLS_EXPIRING_PORT)").
            Replace('localhost:5432', "127.0.0.1:$($bed.PG_PORT)").
            Replace('localhost:6379', "127.0.0.1:$($bed.REDIS_PORT)").
            Replace('/portfolio_advisor', '/opsrunbook')
    }
}

function Initialize-ExampleDirectory {
    <#
    A working folder as the docs' examples expect it: ./stack.psd1 (the sample inventory), ./ca.pem, and
    the environment the seed's application has (DATABASE_URL, REDIS_URL, the inventory's password variables).
    #>
    param([Parameter(Mandatory)][string]$Path)
    $bed = Get-TestBed
    $null = New-Item -ItemType Directory -Force $Path
    Get-Content (Join-Path (Get-RepositoryRoot) 'samples/portfolio-advisor.stack.psd1') -Raw |
        ConvertTo-TestBedAddress | Set-Content (Join-Path $Path 'stack.psd1')
    Copy-Item $bed.TLS_CA (Join-Path $Path 'ca.pem')
    $password = [uri]::EscapeDataString($bed.PASSWORD)
    @{
        DATABASE_URL             = "postgres://$($bed.PG_USER):$password@$($bed.PG_HOST):$($bed.PG_PORT)/$($bed.PG_DATABASE)"
        REDIS_URL                = "redis://:$password@$($bed.REDIS_HOST):$($bed.REDIS_PORT)"
        PORTFOLIO_PG_PASSWORD    = $bed.PASSWORD
        PORTFOLIO_REDIS_PASSWORD = $bed.PASSWORD
    }
}

function Get-DocExample {
    <# The examples of a docs page in the platyPS schema: title and the code of its powershell block. #>
    param([Parameter(Mandatory)][string]$Path)
    $text = Get-Content $Path -Raw
    $examples = [regex]::Split(($text -split '(?m)^## EXAMPLES\s*$')[1], '(?m)^## ')[0]
    foreach ($match in [regex]::Matches($examples, '(?ms)^### (?<title>[^\r\n]+)\s+```powershell\r?\n(?<code>.*?)```')) {
        [pscustomobject]@{ Title = $match.Groups['title'].Value.Trim(); Code = $match.Groups['code'].Value }
    }
}

Export-ModuleMember -Function *
