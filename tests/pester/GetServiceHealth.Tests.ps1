BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Inventory = New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')
    $script:Password = $Bed.PASSWORD
    $script:CommandId = 'OpsRunbook.Health.GetServiceHealthCommand'
}

Describe 'Get-ServiceHealth' {
    Context 'probing each kind of service' {
        It 'reads the readiness document of an HTTP service into components' {
            $health = Get-ServiceHealth -Uri "$Http/health/ready" -Name api
            $health.Name | Should -Be 'api'
            $health.Kind | Should -Be ([OpsRunbook.ServiceKind]::Http)
            $health.Status | Should -Be 'Healthy'
            $health.Version | Should -Be '1.0.0'
            $health.Components.Name | Should -Be @('postgresql', 'redis')
            $health.Components.Status | Should -Be @('Healthy', 'Healthy')
            $health.Details.StatusCode | Should -Be 200
            $health.CheckedAt | Should -BeGreaterThan ([datetimeoffset]::Now.AddMinutes(-1))
        }

        It 'still reads the components of a 503 answer' {
            $health = Get-ServiceHealth -Uri "$Http/health/ready?status=503"
            $health.Status | Should -Be 'Unhealthy'
            $health.Error | Should -Match 'HTTP 503'
            ($health.Components | Where-Object Name -eq postgresql).Error | Should -Be 'Connection refused'
        }

        It 'reports a service running on its fallback as Degraded' {
            $health = Get-ServiceHealth -Uri "$Http/health/ready?mode=degraded"
            $health.Status | Should -Be 'Degraded'
            $health.Error | Should -Match 'redis'
        }

        It 'connects to PostgreSQL with a credential and reports the server' {
            $health = Get-ServiceHealth -ConnectionString $Bed.PostgresUri -Credential (New-TestCredential)
            $health.Kind | Should -Be 'Postgres'
            $health.Status | Should -Be 'Healthy'
            $health.Version | Should -Match '^\d+'
            $health.Details.MaxConnections | Should -Be 30
            $health.Details.ConnectionsInUse | Should -BeGreaterOrEqual 1
        }

        It 'uses the PG* variables when only -Kind Postgres is given' {
            $pg = @{ PGHOST = $Bed.PG_HOST; PGPORT = $Bed.PG_PORT; PGUSER = $Bed.PG_USER; PGPASSWORD = $Password; PGDATABASE = $Bed.PG_DATABASE }
            $health = Use-Environment $pg { Get-ServiceHealth -Kind Postgres }
            $health.Status | Should -Be 'Healthy'
            $health.Target | Should -Be $Bed.PostgresUri
        }

        It 'uses REDIS_URL when only -Kind Redis is given' {
            $url = "redis://:$([uri]::EscapeDataString($Password))@$($Bed.REDIS_HOST):$($Bed.REDIS_PORT)"
            $health = Use-Environment @{ REDIS_URL = $url } { Get-ServiceHealth -Kind Redis }
            $health.Status | Should -Be 'Healthy'
            $health.Details.PingMs | Should -BeGreaterThan 0
            $health.Target | Should -Be $Bed.RedisUri
        }

        It 'checks TCP ports and TLS certificates' {
            $results = Get-ServiceHealth -Uri "tcp://127.0.0.1:$($Bed.PG_PORT)", "tls://127.0.0.1:$($Bed.TLS_EXPIRING_PORT)", "tls://127.0.0.1:$($Bed.TLS_EXPIRED_PORT)" -CaCertificatePath $Bed.TLS_CA
            ($results | Where-Object Kind -eq Tcp).Status | Should -Be 'Healthy'
            $expiring = $results | Where-Object Target -like "*:$($Bed.TLS_EXPIRING_PORT)"
            $expiring.Status | Should -Be 'Degraded'
            $expiring.Details.DaysUntilExpiry | Should -Be 10
            ($results | Where-Object Target -like "*:$($Bed.TLS_EXPIRED_PORT)").Error | Should -Match 'expired'
            (Get-ServiceHealth -Uri "tls://127.0.0.1:$($Bed.TLS_VALID_PORT)").Error | Should -Match 'not trusted'
        }
    }

    Context 'when services are down' {
        It 'reports a refused port, a hung service and a wrong password as Unhealthy results within the timeout' {
            $closed = Get-ClosedPort
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $results = Get-ServiceHealth -Uri "http://127.0.0.1:$closed/health", "$Http/hang", "postgres://$($Bed.PG_USER):wrong-password@127.0.0.1:$($Bed.PG_PORT)/opsrunbook", "redis://:wrong-password@127.0.0.1:$($Bed.REDIS_PORT)" -TimeoutSec 2 -ErrorVariable problems
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 4
            $problems | Should -BeNullOrEmpty
            $results.Status | Sort-Object -Unique | Should -Be 'Unhealthy'
            ($results | Where-Object Target -like "*:$closed/*").Error | Should -Be 'connection refused'
            ($results | Where-Object Target -like '*/hang').Error | Should -Be 'no answer within 2 s'
            ($results | Where-Object Kind -eq Postgres).Error | Should -Match 'password authentication failed'
            ($results | Where-Object Kind -eq Redis).Error | Should -Match 'authentication failed'
            ($results | Out-String) | Should -Not -Match 'wrong-password'
        }
    }

    Context 'in the pipeline' {
        It 'streams each result as it completes' {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $first = Get-ServiceHealth -Uri "$Http/health/ready?delay=3000", "$Http/health" | Select-Object -First 1
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2.5
            $first.Target | Should -Be "$Http/health"
        }

        It 'takes URIs from the pipeline and objects by property name' {
            ("$Http/health", "tcp://127.0.0.1:$($Bed.REDIS_PORT)" | Get-ServiceHealth).Status | Should -Be @('Healthy', 'Healthy')
            $rows = @(
                [pscustomobject]@{ Name = 'db'; Kind = 'Postgres'; Target = $Bed.PostgresUri }
                [pscustomobject]@{ Name = 'web'; Kind = 'Http'; Target = "$Http/health/ready" }
            )
            $env:PGPASSWORD = $Password
            try { $results = $rows | Get-ServiceHealth } finally { Remove-Item Env:PGPASSWORD }
            ($results | Sort-Object Name).Name | Should -Be @('db', 'web')
            $results.Status | Sort-Object -Unique | Should -Be 'Healthy'
        }

        It 'reads a CSV of targets' {
            $csv = Join-Path $TestDrive 'targets.csv'
            "Name,Kind,Target`nliveness,Http,$Http/health`nredis-port,Tcp,tcp://127.0.0.1:$($Bed.REDIS_PORT)" | Set-Content $csv
            (Import-Csv $csv | Get-ServiceHealth | Sort-Object Name).Name | Should -Be @('liveness', 'redis-port')
        }

        It 'feeds Where-Object and Sort-Object' {
            $unhealthy = Get-ServiceHealth -Uri "$Http/health", "$Http/health/ready?status=503" | Where-Object Status -ne Healthy
            @($unhealthy).Count | Should -Be 1
            $unhealthy.Target | Should -Match 'status=503'
        }

        It 'probes an inventory, whole or by name and tag, in .psd1 and .json' {
            $all = Get-ServiceHealth -Inventory $Inventory
            ($all.Name | Sort-Object) | Should -Be @('api', 'api-tls', 'postgres', 'redis')
            $all.Status | Sort-Object -Unique | Should -Be 'Healthy'
            ($all | Where-Object Name -eq api).DependsOn | Should -Be @('postgres', 'redis')
            (Get-ServiceHealth -Inventory $Inventory -Name 'p*', api).Name | Sort-Object | Should -Be @('api', 'postgres')
            (Get-ServiceHealth -Inventory $Inventory -Tag infrastructure).Name | Sort-Object | Should -Be @('postgres', 'redis')
            $json = New-TestInventory -Path (Join-Path $TestDrive 'stack.json') -Json
            (Get-ServiceHealth -Inventory $json -Name redis).Status | Should -Be 'Healthy'
        }
    }

    Context 'a credential given with an inventory' {
        BeforeAll {
            # An Http endpoint on this machine that takes basic authentication (user probe), and the bed's PostgreSQL.
            $script:AuthInventory = Join-Path $TestDrive 'auth.psd1'
            Set-Content $AuthInventory @"
@{ Services = @(
    @{ Name = 'admin-api'; Kind = 'Http'; Target = '$Http/auth' }
    @{ Name = 'tcp-edge'; Kind = 'Tcp'; Target = 'tcp://127.0.0.1:$($Bed.PG_PORT)' }
) }
"@
            $script:Probe = [pscredential]::new('probe', (ConvertTo-SecureString $Password -AsPlainText -Force))
        }

        It 'goes to no Http endpoint unless named with -CredentialService' {
            $health = Get-ServiceHealth -Inventory $AuthInventory -Name admin-api -Credential $Probe
            $health.Status | Should -Be 'Unhealthy'
            $health.Error | Should -Match '401'
        }

        It 'goes to the services -CredentialService names, by name or wildcard' {
            (Get-ServiceHealth -Inventory $AuthInventory -Name admin-api -Credential $Probe -CredentialService admin-api).Status | Should -Be 'Healthy'
            $both = Get-ServiceHealth -Inventory $AuthInventory -Credential $Probe -CredentialService 'admin*'
            ($both | Where-Object Name -eq admin-api).Status | Should -Be 'Healthy'
            ($both | Where-Object Name -eq tcp-edge).Status | Should -Be 'Healthy'
        }

        It 'completes -CredentialService from the inventory' {
            $line = "Get-ServiceHealth -Inventory '$AuthInventory' -CredentialService adm"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('admin-api')
        }
    }

    Context 'the default view' {
        It 'shows a table with name, kind, status, latency, target and error' {
            $text = Get-ServiceHealth -Uri "$Http/health", "$Http/health/ready?status=503" | Format-Table | Out-String -Width 250
            $text | Should -Match 'Name\s+Kind\s+Status\s+Latency\(ms\)\s+Target\s+Error'
            $text | Should -Match 'Http\s+Healthy\s+\d+\.\d\s+http://'
            $text | Should -Match 'Unhealthy.*HTTP 503'
        }

        It 'shows the components in a table of their own' {
            $text = (Get-ServiceHealth -Uri "$Http/health/ready").Components | Format-Table | Out-String
            $text | Should -Match 'Name\s+Status\s+Reported\s+Latency\(ms\)\s+Error'
            $text | Should -Match 'postgresql\s+Healthy\s+ok'
        }
    }

    Context 'completion' {
        It 'completes -Name from the inventory and -Kind from the kinds' {
            $line = "Get-ServiceHealth -Inventory '$Inventory' -Name po"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('postgres')
            $line = 'Get-ServiceHealth -Kind Re'
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('Redis')
        }
    }

    Context 'bad input' {
        It '<Case> is the error <ErrorId>' -ForEach @(
            @{ Case = 'an unparsable URI'; ErrorId = 'InvalidUri'; Script = { Get-ServiceHealth -Uri 'ftp://example/x' } }
            @{ Case = 'an Npgsql string with an unknown keyword'; ErrorId = 'InvalidConnectionString'; Script = { Get-ServiceHealth -ConnectionString "Host=127.0.0.1;Password=$Password;Colour=blue" -Kind Postgres } }
            @{ Case = 'a Redis URL with a bad database'; ErrorId = 'InvalidConnectionString'; Script = { Get-ServiceHealth -ConnectionString "redis://:$Password@127.0.0.1:6379/zero" } }
            @{ Case = 'a string of no known kind'; ErrorId = 'ServiceKindRequired'; Script = { Get-ServiceHealth -ConnectionString 'db.internal:5432' } }
            @{ Case = 'an unknown kind from the pipeline'; ErrorId = 'UnknownServiceKind'; Script = { [pscustomobject]@{ Kind = 'Mongo'; Target = 'tcp://127.0.0.1:1' } | Get-ServiceHealth } }
            @{ Case = 'nothing to probe'; ErrorId = 'TargetMissing'; Script = { Get-ServiceHealth } }
            @{ Case = 'names that do not pair with targets'; ErrorId = 'NameCountMismatch'; Script = { Get-ServiceHealth -Uri "$Http/health", "$Http/text" -Name one } }
            @{ Case = 'a missing inventory'; ErrorId = 'InventoryNotFound'; Script = { Get-ServiceHealth -Inventory (Join-Path $TestDrive 'nope.psd1') } }
            @{ Case = 'an inventory of another format'; ErrorId = 'InventoryFormatUnsupported'; Script = { Set-Content (Join-Path $TestDrive 'stack.yaml') 'x'; Get-ServiceHealth -Inventory (Join-Path $TestDrive 'stack.yaml') } }
            @{ Case = 'a service the inventory does not have'; ErrorId = 'ServiceNotFound'; Script = { Get-ServiceHealth -Inventory $Inventory -Name ghost } }
            @{ Case = 'a credential for a service the inventory does not have'; ErrorId = 'ServiceNotFound'; Script = { Get-ServiceHealth -Inventory $Inventory -Credential (New-TestCredential) -CredentialService ghost } }
            @{ Case = '-CredentialService without -Credential'; ErrorId = 'CredentialServiceWithoutCredential'; Script = { Get-ServiceHealth -Inventory $Inventory -CredentialService api } }
        ) {
            # Terminating or not, the error record is caught the same way.
            $output = try { & $Script -ErrorAction Continue 2>&1 } catch { $_ }
            $err = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $err | Should -Not -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
            $err[0].CategoryInfo.Category | Should -Not -Be 'NotSpecified'
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (($err | ForEach-Object { $_.Exception.ToString() }) + ($output | Out-String)) -join "`n" |
                ForEach-Object { $_.Contains($Password) } | Should -BeFalse
            $err[0].Exception.GetType().FullName | Should -Be 'OpsRunbook.OpsRunbookException'
        }

        It 'names the file, line and field of a malformed inventory: <Case>' -ForEach @(
            @{ Case = 'syntax'; ErrorId = 'InventoryParseFailed'; Text = "@{ Services = @( @{ Name = 'a' " ; Expect = 'line 1' }
            @{ Case = 'unknown field'; ErrorId = 'InventoryInvalid'; Text = "@{ Services = @( @{ Name = 'a'; Kind = 'Tcp'; Target = 'tcp://127.0.0.1:1'; Dependson2 = 'b' } ) }"; Expect = "Services\[0\] \('a'\) has the unknown field 'Dependson2'" }
            @{ Case = 'unknown kind'; ErrorId = 'UnknownServiceKind'; Text = "@{ Services = @( @{ Name = 'a'; Kind = 'Mongo'; Target = 'x' } ) }"; Expect = "Kind 'Mongo'" }
            @{ Case = 'missing target'; ErrorId = 'InventoryInvalid'; Text = "@{ Services = @( @{ Name = 'a'; Kind = 'Tcp' } ) }"; Expect = 'has no Target' }
            @{ Case = 'inline password'; ErrorId = 'InventorySecretInline'; Text = "@{ Services = @( @{ Name = 'db'; Kind = 'Postgres'; Target = 'postgres://app:hunter2@db/app' } ) }"; Expect = 'password written in its Target' }
            @{ Case = 'dynamic expression'; ErrorId = 'InventoryParseFailed'; Text = '@{ Services = @( @{ Name = "a"; Kind = "Tcp"; Target = "$env:HOME" } ) }'; Expect = 'not a constant' }
            @{ Case = 'dependency cycle'; ErrorId = 'InventoryInvalid'; Text = "@{ Services = @( @{ Name = 'a'; Kind = 'Tcp'; Target = 'tcp://h:1'; DependsOn = 'b' }, @{ Name = 'b'; Kind = 'Tcp'; Target = 'tcp://h:2'; DependsOn = 'a' } ) }"; Expect = 'a -> b -> a' }
        ) {
            $file = Join-Path $TestDrive "bad-$($Case -replace '\W', '-').psd1"
            Set-Content $file $Text
            $err = @(try { Get-ServiceHealth -Inventory $file } catch { $_ })
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
            $err[0].Exception.Message | Should -Match ([regex]::Escape($file))
            $err[0].Exception.Message | Should -Match $Expect
            $err[0].Exception.Message | Should -Not -Match 'hunter2'
        }

        It 'goes on with the good targets when one is bad' {
            $err = $null
            $results = Get-ServiceHealth -Uri "$Http/health", 'nonsense', "$Http/text" -ErrorVariable err -ErrorAction Continue 2>$null
            @($results).Count | Should -Be 2
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "ServiceKindRequired,$CommandId"
        }
    }

    Context 'secrets' {
        It 'never shows the password in output, ToString, errors, verbose text or the table' {
            $env:OPSRUNBOOK_TEST_SECRET_PG = $Password
            try {
                $uri = "postgres://$($Bed.PG_USER):$([uri]::EscapeDataString($Password))@127.0.0.1:$($Bed.PG_PORT)/opsrunbook"
                $redis = "redis://:$([uri]::EscapeDataString($Password))@127.0.0.1:$($Bed.REDIS_PORT)"
                $everything = & {
                    Get-ServiceHealth -Uri $uri, $redis, "http://probe:$Password@127.0.0.1:$(($Http -split ':')[-1])/auth" -Verbose
                    Get-ServiceHealth -ConnectionString "Host=127.0.0.1;Port=$($Bed.PG_PORT);Username=opsrunbook;Password=$Password;Bogus=1" -ErrorAction Continue
                    Get-ServiceHealth -Inventory $Inventory -Verbose
                } *>&1
                $results = $everything | Where-Object { $_ -is [OpsRunbook.ServiceHealth] }
                $errors = $everything | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
                # What the module writes: objects, their table and text, and every part of its error records.
                # (PowerShell's own InvocationInfo echoes the arguments the caller typed, so it is not searched.)
                $text = ($everything | Out-String -Width 400) + ($results | Format-Table * | Out-String -Width 400) +
                    ($everything | ForEach-Object { $_.ToString() } | Out-String) + ($results | ConvertTo-Json -Depth 4 -WarningAction Ignore) +
                    ($errors | ForEach-Object { $_.Exception.ToString(); $_.ErrorDetails.Message; $_.ErrorDetails.RecommendedAction; "$($_.TargetObject)"; $_.CategoryInfo.ToString() } | Out-String)
                $text | Save-TestArtifact -Name 'get-servicehealth-secrets.txt'
                $results.Count | Should -BeGreaterOrEqual 7
                $errors.Count | Should -Be 1
                ($results | Where-Object Target -like '*/auth').Status | Should -Be 'Healthy'
                # Contains, not -Match: a failing match would print the password into the log.
                $text.Contains($Password) | Should -BeFalse -Because 'no output may hold the password'
                $text.Contains([uri]::EscapeDataString($Password)) | Should -BeFalse -Because 'no output may hold the encoded password'
            }
            finally { Remove-Item Env:OPSRUNBOOK_TEST_SECRET_PG }
        }
    }
}

Describe 'Stopping (Ctrl+C)' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Bed = Get-TestBed
    }

    It '<Command> stops at once while probes are still waiting' -ForEach @(
        @{ Command = 'Get-ServiceHealth'; Script = 'Get-ServiceHealth -Uri "{0}/hang" -TimeoutSec 60' }
        @{ Command = 'Wait-ServiceHealth'; Script = 'Wait-ServiceHealth -Uri "{0}/health/ready?status=503" -TimeoutSec 60' }
    ) {
        # PowerShell.Stop() is what Ctrl+C does to a running pipeline: it calls StopProcessing.
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddScript("Import-Module '$(Get-BuiltModulePath)'; " + ($Script -f $Bed.HTTP_URL))
            $running = $shell.BeginInvoke()
            Start-Sleep -Milliseconds 1500
            $running.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $shell.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally { $shell.Dispose() }
    }
}
