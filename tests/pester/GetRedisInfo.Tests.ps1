BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RedisTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Url = Get-TestRedisUrl
    $script:CommandId = 'OpsRunbook.Redis.GetRedisInfoCommand'
    # Its own server, so that its hit counters are this file's alone.
    $script:Own = Start-TestRedisServer
    function Get-InfoField([int]$Port, [string]$Field) {
        ((Invoke-RedisCli -Port $Port INFO) | Where-Object { $_ -like "${Field}:*" }).Split(':', 2)[1].Trim()
    }
}

AfterAll { Stop-TestRedisServer $Own }

Describe 'Get-RedisInfo' {
    It 'writes one typed object with what redis-cli INFO tells' {
        $info = Get-RedisInfo -ConnectionString $Url

        $info | Should -BeOfType ([OpsRunbook.RedisInfo])
        $info.Name | Should -Be "127.0.0.1:$($Bed.REDIS_PORT)"
        $info.Version | Should -Be (Get-InfoField $Bed.REDIS_PORT 'redis_version')
        $info.Role | Should -Be 'master'
        $info.Mode | Should -Be 'standalone'
        $info.UsedMemoryBytes | Should -BeGreaterThan 0
        $info.PeakMemoryBytes | Should -BeGreaterOrEqual $info.UsedMemoryBytes
        $info.MaxMemoryPolicy | Should -Be (Get-InfoField $Bed.REDIS_PORT 'maxmemory_policy')
        $info.ConnectedClients | Should -BeGreaterOrEqual 1
        $info.LastBgsaveStatus | Should -Be 'ok'
        $info.Uptime | Should -BeOfType ([timespan])
        $info.CheckedAt | Should -BeGreaterThan ([datetimeoffset]::Now.AddMinutes(-1))
    }

    It 'counts the keys of each database as DBSIZE does' {
        $prefix = 'orb-info-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Invoke-RedisCli -Port $Own.Port -Database 11 DEBUG POPULATE 25 $prefix
        $null = Invoke-RedisCli -Port $Own.Port -Database 12 DEBUG POPULATE 4 $prefix

        $info = Get-RedisInfo -ConnectionString $Own.Url

        ($info.Databases | Where-Object Index -eq 11).Keys | Should -Be ([long](Invoke-RedisCli -Port $Own.Port -Database 11 DBSIZE))
        ($info.Databases | Where-Object Index -eq 12).Keys | Should -Be 4
        $info.Keys | Should -Be (($info.Databases | Measure-Object Keys -Sum).Sum)
        ($info.Databases | Format-Table | Out-String) | Should -Match 'Index\s+Keys\s+Expires\s+AverageTtl'
    }

    It 'judges the hit rate by the runbooks'' thresholds: <Hits> hits and <Misses> misses are <Status>' -ForEach @(
        @{ Hits = 9; Misses = 1; Percent = 90; Status = 'Normal' }
        @{ Hits = 6; Misses = 4; Percent = 60; Status = 'Warning' }
        @{ Hits = 2; Misses = 8; Percent = 20; Status = 'Alert' }
    ) {
        $null = Invoke-RedisCli -Port $Own.Port SET hit:key v
        $null = Invoke-RedisCli -Port $Own.Port CONFIG RESETSTAT
        1..$Hits | ForEach-Object { $null = Invoke-RedisCli -Port $Own.Port GET hit:key }
        1..$Misses | ForEach-Object { $null = Invoke-RedisCli -Port $Own.Port GET miss:key }

        $info = Get-RedisInfo -ConnectionString $Own.Url

        $info.KeyspaceHits | Should -Be ([long](Get-InfoField $Own.Port 'keyspace_hits'))
        $info.KeyspaceMisses | Should -Be $Misses
        $info.HitRatePercent | Should -Be $Percent
        $info.HitRateStatus | Should -Be $Status
    }

    It 'shows memory, hit rate and persistence in its default table' {
        $text = Get-RedisInfo -ConnectionString $Own.Url | Format-Table | Out-String -Width 300
        $text | Should -Match 'Name\s+Role\s+Version\s+Used\s+Peak\s+MaxMemory\s+Policy\s+Frag\s+Clients\s+HitRate\s+HitStatus\s+Keys\s+Evicted\s+LastSave'
        $text | Should -Match "127\.0\.0\.1:$($Own.Port)\s+master\s+\d+\.\d+\.\d+\s+[\d.]+ MiB\s+[\d.]+ MiB\s+no limit\s+noeviction"
    }

    It 'reads several servers from the pipeline, REDIS_URL and an inventory' {
        $both = $Url, $Own.Url | Get-RedisInfo
        $fromEnvironment = Use-Environment @{ REDIS_URL = $Own.Url } { Get-RedisInfo }
        $inventory = Get-RedisInfo -Inventory (New-TestInventory -Path (Join-Path $TestDrive 'stack.json') -Json) -Name red*

        $both.Name | Should -Be @("127.0.0.1:$($Bed.REDIS_PORT)", "127.0.0.1:$($Own.Port)")
        $fromEnvironment.Name | Should -Be "127.0.0.1:$($Own.Port)"
        $inventory.Name | Should -Be 'redis'
        $inventory.Server | Should -Be "127.0.0.1:$($Bed.REDIS_PORT)"
    }

    It 'connects with -Credential as the ACL user, or as the default user' {
        $secret = ConvertTo-SecureString $Bed.PASSWORD -AsPlainText -Force
        $plain = "redis://127.0.0.1:$($Bed.REDIS_PORT)"

        $acl = Get-RedisInfo -ConnectionString $plain -Credential ([pscredential]::new('opsrunbook', $secret)) -Verbose 4>&1
        $default = Get-RedisInfo -ConnectionString $plain -Credential ([pscredential]::new('default', $secret))

        ($acl | Where-Object { $_ -is [OpsRunbook.RedisInfo] }).Role | Should -Be 'master'
        ($acl | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain (
            "Connected to redis://opsrunbook@127.0.0.1:$($Bed.REDIS_PORT): 127.0.0.1:$($Bed.REDIS_PORT) (primary, standalone, $((Get-InfoField $Bed.REDIS_PORT 'redis_version')))." )
        $default.Role | Should -Be 'master'
    }

    It 'says why it cannot connect, once per server, with no password in it' {
        $wrong = 'Wrong-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $errors = $null
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $results = Get-RedisInfo -ConnectionString "redis://:$wrong@127.0.0.1:$($Bed.REDIS_PORT)", "redis://127.0.0.1:$($Bed.REDIS_PORT)", `
            "redis://:$wrong@127.0.0.1:$(Get-ClosedPort)", $Own.Url -ErrorVariable errors -ErrorAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5

        $results.Name | Should -Be "127.0.0.1:$($Own.Port)"
        $errors.FullyQualifiedErrorId | Should -Be @("RedisAuthenticationFailed,$CommandId", "RedisPasswordRequired,$CommandId", "RedisConnectionFailed,$CommandId")
        $errors[2].Exception.Message | Should -Match 'connection refused'
        ($errors | Out-String) | Should -Not -Match $wrong
        { Use-Environment @{ REDIS_URL = $null } { Get-RedisInfo } } | Should -Throw -ErrorId "ConnectionStringMissing,$CommandId"
    }
}
