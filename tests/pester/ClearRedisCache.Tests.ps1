BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RedisTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Url = Get-TestRedisUrl
    $script:CommandId = 'OpsRunbook.Redis.ClearRedisCacheCommand'
    # Databases of the shared server that only this file uses: 9 for patterns, 10 for -All.
    $script:Db = 9
    $script:FlushDb = 10

    function New-Prefix { 'orb-p-' + [guid]::NewGuid().ToString('N').Substring(0, 8) }
    function New-Keys([string]$Prefix, [string]$Middle, [int]$Count) { 1..$Count | ForEach-Object { "${Prefix}:${Middle}:$_" } }
}

Describe 'Clear-RedisCache' {
    It 'deletes only the keys that match, writes the result and shows it in its table' {
        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key ((New-Keys $prefix 'cache:market' 600) + (New-Keys $prefix 'cache:marketing' 40) + (New-Keys $prefix 'session' 25))

        $result = Clear-RedisCache -ConnectionString $Url -Pattern "${prefix}:cache:market:*" -Database $Db -Confirm:$false

        $result | Should -BeOfType ([OpsRunbook.RedisCacheClearResult])
        $result.Deleted | Should -Be 600
        $result.Matched | Should -Be 600
        $result.Database | Should -Be $Db
        $result.Server | Should -Be $Bed.RedisUri
        $result.WhatIf | Should -BeFalse
        $result.Duration | Should -BeOfType ([timespan])
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:cache:market:*" | Should -Be 0
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:cache:marketing:*" | Should -Be 40
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:session:*" | Should -Be 25
        $table = $result | Format-Table | Out-String -Width 250
        $table | Should -Match 'Server\s+Database\s+Pattern\s+Scanned\s+Matched\s+Deleted\s+Duration\s+Note'
        $table | Should -Match "$Db\s+$([regex]::Escape("${prefix}:cache:market:*"))\s+\d+\s+600\s+600\s+\d+\.\d\d s"
    }

    It 'counts with -WhatIf and deletes nothing' {
        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key (New-Keys $prefix 'cache' 120)

        $result = Clear-RedisCache -ConnectionString $Url -Pattern "${prefix}:cache:*" -Database $Db -WhatIf

        $result.WhatIf | Should -BeTrue
        $result.Matched | Should -Be 120
        $result.Deleted | Should -Be 0
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:cache:*" | Should -Be 120
        ($result | Format-Table | Out-String -Width 250) | Should -Match 'WhatIf: nothing deleted'
    }

    It 'clears several patterns with one result each, from REDIS_URL or connection strings piped by property name' {
        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key ((New-Keys $prefix 'a' 30) + (New-Keys $prefix 'b' 20) + (New-Keys $prefix 'c' 10))

        $fromEnvironment = Use-Environment @{ REDIS_URL = (Get-TestRedisUrl -Database $Db) } {
            Clear-RedisCache "${prefix}:a:*", "${prefix}:b:*" -Confirm:$false
        }
        $fromPipeline = [pscustomobject]@{ ConnectionString = $Url } | Clear-RedisCache -Pattern "${prefix}:c:*" -Database $Db -Confirm:$false

        $fromEnvironment.Pattern | Should -Be @("${prefix}:a:*", "${prefix}:b:*")
        $fromEnvironment.Deleted | Should -Be @(30, 20)
        $fromEnvironment.Database | Should -Be @($Db, $Db)
        $fromPipeline.Deleted | Should -Be 10
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:*" | Should -Be 0
    }

    It 'works on the Redis services of an inventory, with the password of their PasswordVariable' {
        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key (New-Keys $prefix 'inv' 15)
        $inventory = New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')

        $result = Clear-RedisCache -Inventory $inventory -Name redis -Pattern "${prefix}:inv:*" -Database $Db -Confirm:$false

        $result.Deleted | Should -Be 15
        { Clear-RedisCache -Inventory $inventory -Name api -Pattern 'x:*' -Confirm:$false } | Should -Throw -ErrorId "ServiceNotRedis,$CommandId"
    }

    It 'refuses * and -All without -Force even with -Confirm:$false, and clears only that database with -Force' {
        $prefix = New-Prefix
        Set-RedisKey -Database $FlushDb -Key (New-Keys $prefix 'all' 70)
        Set-RedisKey -Database $Db -Key (New-Keys $prefix 'stays' 5)

        $refused = $null
        $null = Clear-RedisCache -ConnectionString $Url -Pattern '*' -Database $FlushDb -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $null = Clear-RedisCache -ConnectionString $Url -All -Database $FlushDb -Confirm:$false -ErrorVariable +refused -ErrorAction SilentlyContinue
        $refused.Count | Should -Be 2
        $refused.FullyQualifiedErrorId | Sort-Object -Unique | Should -Be "ClearAllRequiresForce,$CommandId"
        Invoke-RedisCli -Database $FlushDb DBSIZE | Should -Be '70'

        $counted = Clear-RedisCache -ConnectionString $Url -All -Database $FlushDb -WhatIf
        $flushed = Clear-RedisCache -ConnectionString $Url -All -Database $FlushDb -Force

        $counted.Matched | Should -Be 70
        $flushed.Method | Should -Be 'FlushDatabase'
        $flushed.Deleted | Should -Be 70
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while ((Invoke-RedisCli -Database $FlushDb DBSIZE) -ne '0' -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        Invoke-RedisCli -Database $FlushDb DBSIZE | Should -Be '0'
        Get-RedisKeyCount -Database $Db -Pattern "${prefix}:stays:*" | Should -Be 5
    }

    It 'never prompts with -Confirm:$false or -Force in a non-interactive pwsh, and does not delete without them' {
        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key ((New-Keys $prefix 'x' 10) + (New-Keys $prefix 'y' 10))
        $output = Invoke-NewPwsh -Environment @{ REDIS_URL = (Get-TestRedisUrl -Database $Db) } -Command @"
Import-Module '$(Get-BuiltModulePath)'
'confirm-false:' + (Clear-RedisCache -Pattern '${prefix}:x:*' -Confirm:`$false).Deleted
try { Clear-RedisCache -Pattern '${prefix}:y:*' -ErrorAction Stop; 'prompted:no' } catch { 'prompted:' + `$_.FullyQualifiedErrorId }
'force:' + (Clear-RedisCache -Pattern '${prefix}:y:*' -Force).Deleted
"@
        $output | Should -Contain 'confirm-false:10'
        ($output | Where-Object { $_ -like 'prompted:*' }) | Should -Not -Be 'prompted:no'
        $output | Should -Contain 'force:10'
    }

    It 'rejects bad input with <ErrorId>' -ForEach @(
        @{ ErrorId = 'InvalidPattern'; Script = { Clear-RedisCache -ConnectionString $Url -Pattern 'cache:[unclosed' -Confirm:$false } }
        @{ ErrorId = 'PatternRequired'; Script = { Clear-RedisCache -ConnectionString $Url -Confirm:$false } }
        @{ ErrorId = 'PatternAndAll'; Script = { Clear-RedisCache -ConnectionString $Url -Pattern 'a:*' -All -Force } }
        @{ ErrorId = 'ConnectionStringMissing'; Script = { Use-Environment @{ REDIS_URL = $null } { Clear-RedisCache -Pattern 'a:*' -Confirm:$false } } }
    ) {
        { & $Script } | Should -Throw -ErrorId "$ErrorId,$CommandId"
    }

    It 'names a bad <What> with <ErrorId> and goes on with the next connection' -ForEach @(
        @{ What = 'database'; ErrorId = 'InvalidDatabase'; Arguments = { @{ ConnectionString = @($Url); Database = 99 } } }
        @{ What = 'URL'; ErrorId = 'InvalidConnectionString'; Arguments = { @{ ConnectionString = @("redis://:$([uri]::EscapeDataString($Bed.PASSWORD))@127.0.0.1:1/notadb", (Get-TestRedisUrl -Database 9)) } } }
    ) {
        $errors = $null
        $parameters = & $Arguments
        $results = Clear-RedisCache @parameters -Pattern 'orb-nothing-here:*' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
        ($errors[0] | Out-String).Contains($Bed.PASSWORD) | Should -BeFalse
        if ($What -eq 'URL') { $results.Database | Should -Be 9 }
    }

    It 'is one clear error for a wrong password, and shows the password nowhere' {
        $wrong = 'Wrong-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $errors = $null
        $null = Clear-RedisCache -ConnectionString "redis://opsrunbook:$wrong@127.0.0.1:$($Bed.REDIS_PORT)" -Pattern 'a:*', 'b:*' -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be "RedisAuthenticationFailed,$CommandId"
        $errors[0].Exception.Message | Should -Match 'authentication failed'
        ($errors[0] | Out-String) | Should -Not -Match $wrong

        $prefix = New-Prefix
        Set-RedisKey -Database $Db -Key (New-Keys $prefix 'v' 3)
        $all = Clear-RedisCache -ConnectionString $Url -Pattern "${prefix}:*" -Database $Db -Confirm:$false -Verbose 4>&1 | Out-String -Width 500
        $all | Save-TestArtifact -Name 'clear-redis-cache-verbose.txt'
        $all | Should -Match 'Scanning database'
        $all.Contains($Bed.PASSWORD) | Should -BeFalse
        $all.Contains([uri]::EscapeDataString($Bed.PASSWORD)) | Should -BeFalse
    }

    It 'stops with an error that tells how many keys were deleted when the server goes away mid-clear' {
        $server = Start-TestRedisServer
        try {
            $null = Invoke-RedisCli -Port $server.Port DEBUG POPULATE 200000 cache
            $null = Invoke-RedisCli -Port $server.Port DEBUG POPULATE 1000 keep
            # Small batches make the clear take seconds, so it can be stopped part way.
            $job = Start-ThreadJob -ArgumentList (Get-BuiltModulePath), $server.Url -ScriptBlock {
                param($Module, $Url)
                Import-Module $Module
                $errors = $null
                $null = Clear-RedisCache -ConnectionString $Url -Pattern 'cache:*' -BatchSize 20 -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
                $errors
            }
            $deadline = [datetime]::UtcNow.AddSeconds(30)
            while ([int](Invoke-RedisCli -Port $server.Port DBSIZE) -gt 190000 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Stop-TestRedisServer $server
            $errors = @($job | Wait-Job -Timeout 30 | Receive-Job)
            $job | Remove-Job -Force

            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -Be "RedisConnectionLost,$CommandId"
            $errors[0].TargetObject | Should -BeOfType ([OpsRunbook.RedisCacheClearResult])
            $errors[0].TargetObject.Completed | Should -BeFalse
            $errors[0].TargetObject.Deleted | Should -BeGreaterOrEqual 10000
            $errors[0].TargetObject.Deleted | Should -BeLessThan 200000
            $errors[0].Exception.Message | Should -Match "$($errors[0].TargetObject.Deleted) keys matching 'cache:\*' had been deleted"
            ($errors[0] | Out-String).Contains($Bed.PASSWORD) | Should -BeFalse
        }
        finally { Stop-TestRedisServer $server }
    }
}
