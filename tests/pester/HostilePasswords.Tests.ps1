# Passwords a password manager makes (#, ?, @, /, %, ;, quotes, spaces, non-ASCII), given to a real PostgreSQL role and a
# real Redis ACL user, then used through every cmdlet family as a user would: each works in every form that can hold
# it, and none appears in any output, error, file or timeline entry, in UTF-8, UTF-16, base64 or percent-encoded form.
BeforeDiscovery {
    # The set every suite and the password sweep use; test names show the label, never the password.
    Import-Module (Join-Path $PSScriptRoot '../testbed/TestBed.psm1') -Force
    $script:Cases = @(Get-TestBedHostilePassword | ForEach-Object { @{ Label = $_.label; Password = $_.password } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RedisTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed

    function Invoke-AdminPsql([string]$Sql, [string]$Database = 'postgres') {
        $output = Use-Environment @{ PGPASSWORD = $Bed.PASSWORD } { & "$($Bed.PG_BIN)/psql" -X -A -t -v ON_ERROR_STOP=1 -h $Bed.PG_HOST -p $Bed.PG_PORT -U postgres -d $Database -c $Sql 2>&1 }
        if ($LASTEXITCODE) { throw "psql: $output" }
        $output
    }

    function Get-Forms([string]$Secret) {
        # The forms a leak takes: as written, UTF-16, base64 (of UTF-8 and of user:password), percent-encoded.
        @(
            $Secret
            [uri]::EscapeDataString($Secret)
            [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Secret))
        ) | Select-Object -Unique
    }

    function Assert-NoLeak([string]$Secret, [string[]]$Text, [string[]]$Folder = @()) {
        $all = ($Text -join "`n")
        foreach ($form in Get-Forms $Secret) { $all.Contains($form) | Should -BeFalse -Because "the output holds the password ($form)" }
        foreach ($path in $Folder | Where-Object { Test-Path $_ }) {
            foreach ($file in Get-ChildItem $path -Recurse -File -Force) {
                $bytes = [IO.File]::ReadAllBytes($file.FullName)
                $utf8 = [Text.Encoding]::UTF8.GetString($bytes)
                $utf16 = [Text.Encoding]::Unicode.GetString($bytes)
                foreach ($form in Get-Forms $Secret) {
                    ($utf8.Contains($form) -or $utf16.Contains($Secret)) | Should -BeFalse -Because "$($file.FullName) holds the password ($form)"
                }
            }
        }
    }
}

Describe 'A hostile password (<Label>)' -ForEach $Cases {
    BeforeAll {
        $script:Role = 'orbhostile_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Db = "$($Role)_db"
        $literal = $Password.Replace("'", "''")
        $null = Invoke-AdminPsql "CREATE ROLE $Role LOGIN CREATEDB PASSWORD '$literal'"
        $null = Invoke-AdminPsql "CREATE DATABASE $Db OWNER $Role"
        $null = Use-Environment @{ PGPASSWORD = $Password } { & "$($Bed.PG_BIN)/psql" -X -q -h $Bed.PG_HOST -p $Bed.PG_PORT -U $Role -d $Db -c 'CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)' 2>&1 }
        $null = Invoke-RedisCli ACL SETUSER $Role on ">$Password" '~*' '&*' '+@all'
        $script:Encoded = [uri]::EscapeDataString($Password)
        $script:PgUri = "postgres://$($Role):$Encoded@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"
        $script:RedisUri = "redis://$($Role):$Encoded@127.0.0.1:$($Bed.REDIS_PORT)"
        $script:Credential = [pscredential]::new($Role, (ConvertTo-SecureString $Password -AsPlainText -Force))
        $script:Work = Join-Path $TestDrive $Role
        $null = New-Item -ItemType Directory $Work
        $script:Inventory = Join-Path $Work 'stack.psd1'
        @"
@{
    Name = 'hostile'
    Services = @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = 'postgres://$Role@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db'; PasswordVariable = 'ORB_HOSTILE_PW' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = 'redis://127.0.0.1:$($Bed.REDIS_PORT)'; UserName = '$Role'; PasswordVariable = 'ORB_HOSTILE_PW' }
    )
}
"@ | Set-Content $Inventory
        $env:ORB_HOSTILE_PW = $Password
    }

    AfterAll {
        Remove-Item Env:ORB_HOSTILE_PW -ErrorAction Ignore
        Set-IncidentContext -Clear
        $null = Invoke-RedisCli ACL DELUSER $Role
        $null = Invoke-AdminPsql "DROP DATABASE IF EXISTS $Db WITH (FORCE)"
        foreach ($left in @(Invoke-AdminPsql "SELECT datname FROM pg_database WHERE datname LIKE '$Db%'")) { if ($left) { $null = Invoke-AdminPsql "DROP DATABASE IF EXISTS `"$left`" WITH (FORCE)" } }
        $null = Invoke-AdminPsql "DROP ROLE IF EXISTS $Role"
    }

    It 'works percent-encoded in a URI, in an Npgsql string, as a credential and from the inventory, for PostgreSQL and Redis' {
        $npgsql = "Host=$($Bed.PG_HOST);Port=$($Bed.PG_PORT);Username=$Role;Password='$($Password.Replace("'", "''"))';Database=$Db"
        $results = @(
            Get-ServiceHealth -Uri $PgUri -Name by-uri
            Get-ServiceHealth -Uri $npgsql -Kind Postgres -Name by-npgsql
            Get-ServiceHealth -Uri "postgres://$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db" -Credential $Credential -Name by-credential
            Get-ServiceHealth -Uri $RedisUri -Name redis-by-url
            Get-ServiceHealth -Uri "redis://127.0.0.1:$($Bed.REDIS_PORT)" -Credential $Credential -Name redis-by-credential
            Get-ServiceHealth -Inventory $Inventory
        )
        $results | ForEach-Object { $_.Status | Should -Be 'Healthy' -Because "$($_.Name): $($_.Error)" }
        $results.Count | Should -Be 7
        Assert-NoLeak $Password ($results | Format-Table | Out-String -Width 300), ($results | ConvertTo-Json -Depth 4)
    }

    It 'is never shown when written into a URI unencoded, which is refused or read exactly' {
        $raw = "postgres://$($Role):$Password@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"
        $outcome = try { Get-ServiceHealth -Uri $raw -ErrorAction Stop } catch { $_ }
        $text = $outcome | Out-String -Width 300
        if ($outcome -is [System.Management.Automation.ErrorRecord]) {
            $outcome.FullyQualifiedErrorId | Should -Match '^InvalidConnectionString,'
            $text | Should -Match ([regex]::Escape("postgres://$Role@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"))
        }
        Assert-NoLeak $Password $text
        foreach ($piece in ($Password -split '[#?@/%;''" ]' | Where-Object Length -ge 3)) { $text.Contains($piece) | Should -BeFalse -Because "'$piece' is a piece of the password" }
    }

    It 'backs up, restores, and keeps no trace of it in the files, the errors or the processes' {
        $folder = Join-Path $Work 'backups'
        $backup = Invoke-DatabaseBackup -ConnectionString "postgres://$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db" -Credential $Credential -Path $folder
        $restored = Restore-DatabaseBackup -Path $backup.Path -ConnectionString $PgUri -TargetDatabase "$($Db)_copy" -Force
        $test = Test-DatabaseBackup -Path $backup.Path -Inventory $Inventory
        $wrong = try { Get-DatabaseActivity -ConnectionString ($PgUri.Replace($Encoded, 'wrong' + $Encoded)) -ErrorAction Stop } catch { $_ }

        $restored.Replaced | Should -BeFalse
        $test.Passed | Should -BeTrue -Because $test.Failure
        $wrong.FullyQualifiedErrorId | Should -Match '^AuthenticationFailed,'
        Invoke-AdminPsql 'SELECT count(*) FROM t' "$($Db)_copy" | Should -Be '2'
        Assert-NoLeak $Password ($backup, $restored, $test, $wrong | Out-String -Width 300), ($wrong.Exception.ToString()) -Folder $folder
        $null = Invoke-AdminPsql "DROP DATABASE IF EXISTS $($Db)_copy WITH (FORCE)"
    }

    It 'keeps it out of Redis output, restore points, incident evidence and the timeline' {
        $info = Get-RedisInfo -ConnectionString $RedisUri
        $points = Join-Path $Work 'points'
        $point = New-RollbackPoint -Inventory $Inventory -Path $points
        $store = Join-Path $Work 'incidents'
        $evidence = Join-Path $Work 'evidence'
        $incident = Start-IncidentResponse "hostile password drill" -Severity P3 -Inventory $Inventory -CollectEvidence -EvidencePath $evidence -Store $store -WarningAction SilentlyContinue
        # A command recorded on the timeline, with the password in its typed URI.
        $null = Get-ServiceHealth -Uri $PgUri -Name recorded
        $null = Get-RedisInfo -ConnectionString $RedisUri
        $timeline = Get-Incident -Id $incident.Id -Store $store
        Set-IncidentContext -Clear

        $info | Should -Not -BeNullOrEmpty
        $point.Verification | Should -Be 'Valid'
        @($timeline.Timeline | Where-Object Kind -eq Action).Count | Should -BeGreaterOrEqual 2
        Assert-NoLeak $Password ($info, $point, $incident, $timeline | Out-String -Width 300), ($timeline.Timeline | ConvertTo-Json -Depth 4) -Folder $points, $store, $evidence
        foreach ($path in @(Get-ChildItem $points, $store, $evidence -Recurse -File -Force)) { (& stat -c %a $path.FullName) | Should -Be '600' -Because $path.FullName }
    }
}
