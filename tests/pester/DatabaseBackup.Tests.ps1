BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $script:Db = 'orbpb_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $escaped = [uri]::EscapeDataString($Password)
    $script:OwnerUri = "postgres://$($Bed.PG_USER):$escaped@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"
    $script:AdminUri = "postgres://postgres:$escaped@$($Bed.PG_HOST):$($Bed.PG_PORT)/postgres"
    $script:Folder = Join-Path $TestDrive 'backups'

    function Invoke-Psql([string]$Sql, [string]$Database = 'postgres', [string]$User = 'postgres') {
        $output = Use-Environment @{ PGPASSWORD = $Password } { & "$($Bed.PG_BIN)/psql" -X -A -t -v ON_ERROR_STOP=1 -h $Bed.PG_HOST -p $Bed.PG_PORT -U $User -d $Database -c $Sql 2>&1 }
        if ($LASTEXITCODE) { throw "psql: $output" }
        $output
    }

    Invoke-Psql "CREATE DATABASE $Db OWNER $($Bed.PG_USER)"
    $null = Invoke-Psql @'
CREATE TABLE accounts (id serial PRIMARY KEY, owner text, balance numeric(12,2), opened timestamptz DEFAULT now(), meta jsonb);
INSERT INTO accounts (owner, balance, meta) SELECT 'owner ' || g, g * 1.5, jsonb_build_object('n', g) FROM generate_series(1, 400) g;
CREATE TABLE ledger (id bigserial PRIMARY KEY, account int REFERENCES accounts, amount numeric(12,2), at timestamptz DEFAULT now());
INSERT INTO ledger (account, amount) SELECT 1 + g % 400, g % 100 FROM generate_series(1, 2500) g;
'@ $Db $Bed.PG_USER
}

AfterAll {
    foreach ($name in $Db, "$($Db)_copy", "$($Db)_pipe") { $null = Invoke-Psql "DROP DATABASE IF EXISTS $name WITH (FORCE)" }
}

Describe 'Invoke-DatabaseBackup' {
    It 'writes a dump, a sidecar that sha256sum -c accepts and a manifest, and returns the backup' {
        $backup = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path $Folder
        $backup | Should -BeOfType ([OpsRunbook.DatabaseBackup])
        $backup.Database | Should -Be $Db
        $backup.Verification | Should -Be 'Valid'
        ($backup.Tables | Where-Object Table -eq 'public.ledger').Rows | Should -Be 2500
        Push-Location $Folder
        try { (& sha256sum -c "$($backup.Name).sha256") | Should -Be "$($backup.Name): OK" } finally { Pop-Location }
        $manifest = Get-Content "$($backup.Path).json" -Raw
        $manifest | ConvertFrom-Json | ForEach-Object { $_.database | Should -Be $Db; $_.format | Should -Be 'Custom' }
        $manifest.Contains($Password) | Should -BeFalse
    }

    It 'writes the seeds'' gzip SQL with -Format Sql' {
        $backup = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path (Join-Path $TestDrive 'sql') -Format Sql
        $backup.Name | Should -Match '\.sql\.gz$'
        (& gzip -t $backup.Path 2>&1) | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $folder = Join-Path $TestDrive 'whatif'
        Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path $folder -WhatIf | Should -BeNullOrEmpty
        $folder | Should -Not -Exist
    }

    It 'keeps the newest backups with -KeepLast' {
        $folder = Join-Path $TestDrive 'keep'
        1..3 | ForEach-Object { $null = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path $folder -KeepLast 2; Start-Sleep -Milliseconds 1100 }
        @(Get-DatabaseBackup -Path $folder).Count | Should -Be 2
    }

    It 'fails on a wrong password with AuthenticationFailed, naming no password' {
        $wrong = "postgres://$($Bed.PG_USER):hunter2-wrong@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"
        $err = try { Invoke-DatabaseBackup -ConnectionString $wrong -Path (Join-Path $TestDrive 'wrong') } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,OpsRunbook.Database.InvokeDatabaseBackupCommand'
        ($err | Out-String).Contains('hunter2') | Should -BeFalse
    }

    It 'names a folder it cannot write to' {
        { Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path '/proc/opsrunbook-no' } | Should -Throw -ErrorId 'BackupPathUnwritable,OpsRunbook.Database.InvokeDatabaseBackupCommand'
    }
}

Describe 'Get-DatabaseBackup' {
    It 'lists newest first, shows a table, and -Verify finds the corrupt one' {
        $folder = Join-Path $TestDrive 'verify'
        $old = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path $folder
        Start-Sleep -Milliseconds 1100
        $new = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path $folder -Format Sql
        $bytes = [IO.File]::ReadAllBytes($old.Path); $bytes[100] = $bytes[100] -bxor 1; [IO.File]::WriteAllBytes($old.Path, $bytes)

        $listed = Get-DatabaseBackup -Path $folder
        $listed.Name | Should -Be @($new.Name, $old.Name)
        $listed.Verification | Sort-Object -Unique | Should -Be 'NotChecked'
        $verified = Get-DatabaseBackup -Path $folder -Database "$Db*" -Verify
        ($verified | Where-Object Name -eq $old.Name).Verification | Should -Be 'Corrupt'
        ($verified | Where-Object Name -eq $new.Name).Verification | Should -Be 'Valid'
        $text = $verified | Format-Table | Out-String -Width 250
        $text | Should -Match 'Created\s+Database\s+Format\s+Size\s+Tables\s+Verification\s+Name'
        $text | Should -Match 'Corrupt'
    }

    It 'names a folder that does not exist' {
        { Get-DatabaseBackup -Path (Join-Path $TestDrive 'none') } | Should -Throw -ErrorId 'BackupFolderNotFound,OpsRunbook.Database.GetDatabaseBackupCommand'
    }
}

Describe 'Restore-DatabaseBackup and Test-DatabaseBackup' {
    BeforeAll {
        $script:Restorable = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path (Join-Path $TestDrive 'restore')
    }

    It 'restores from the pipeline into a new database, checks the rows, and psql sees them' {
        $result = Get-DatabaseBackup -Path (Split-Path $Restorable.Path) | Restore-DatabaseBackup -ConnectionString $AdminUri -TargetDatabase "$($Db)_pipe" -Jobs 2 -Confirm:$false
        $result | Should -BeOfType ([OpsRunbook.DatabaseRestoreResult])
        $result.Replaced | Should -BeFalse
        $result.RowCountsVerified | Should -BeTrue
        (Invoke-Psql 'SELECT count(*) FROM ledger' "$($Db)_pipe") | Should -Be '2500'
        ($result | Format-Table | Out-String -Width 250) | Should -Match 'Target\s+Replaced\s+Checksum'
    }

    It 'replaces nothing with -WhatIf and replaces with -Force' {
        $null = Invoke-Psql "CREATE DATABASE $($Db)_copy"
        $null = Invoke-Psql 'CREATE TABLE marker (id int)' "$($Db)_copy"
        Restore-DatabaseBackup -Path $Restorable.Path -ConnectionString $AdminUri -TargetDatabase "$($Db)_copy" -WhatIf | Should -BeNullOrEmpty
        (Invoke-Psql "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'" "$($Db)_copy") | Should -Be '1'
        $result = Restore-DatabaseBackup -Path $Restorable.Path -ConnectionString $AdminUri -TargetDatabase "$($Db)_copy" -Force
        $result.Replaced | Should -BeTrue
        (Invoke-Psql "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'" "$($Db)_copy") | Should -Be '0'
        (Invoke-Psql 'SELECT count(*) FROM accounts' "$($Db)_copy") | Should -Be '400'
    }

    It 'refuses a corrupt backup before the target is touched' {
        $corrupt = Invoke-DatabaseBackup -ConnectionString $OwnerUri -Path (Join-Path $TestDrive 'corrupt')
        $bytes = [IO.File]::ReadAllBytes($corrupt.Path); $bytes[$bytes.Length - 10] = $bytes[$bytes.Length - 10] -bxor 0xff; [IO.File]::WriteAllBytes($corrupt.Path, $bytes)
        $before = Invoke-Psql 'SELECT count(*) FROM ledger' $Db
        $err = try { Restore-DatabaseBackup -Path $corrupt.Path -ConnectionString $AdminUri -Force } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'BackupCorrupt,OpsRunbook.Database.RestoreDatabaseBackupCommand'
        (Invoke-Psql 'SELECT count(*) FROM ledger' $Db) | Should -Be $before
    }

    It 'tests backups from the pipeline and leaves no scratch database' {
        $results = Get-DatabaseBackup -Path (Split-Path $Restorable.Path) | Test-DatabaseBackup -ConnectionString $AdminUri
        $results.Passed | Should -Be $true
        $results.ComparedWith | Should -Be 'manifest'
        ($results.Tables | Where-Object Table -eq 'public.accounts').Actual | Should -Be 400
        (Invoke-Psql "SELECT count(*) FROM pg_database WHERE datname LIKE '$($Db)__test%'") | Should -Be '0'
        ($results | Format-Table | Out-String -Width 250) | Should -Match 'Passed\s+Database\s+Checksum\s+Restored\s+Matched'
    }

    It 'names a backup file that does not exist' {
        { Restore-DatabaseBackup -Path (Join-Path $TestDrive 'x_20260101_000000.dump') -ConnectionString $AdminUri -Force } |
            Should -Throw -ErrorId 'BackupNotFound,OpsRunbook.Database.RestoreDatabaseBackupCommand'
    }
}

Describe 'A database owned by an application role, restored as the superuser' {
    BeforeAll {
        $script:App = 'orbapp_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:AppDb = "$($App)_db"
        $null = Invoke-Psql "CREATE ROLE $App LOGIN PASSWORD '$Password'"
        $null = Invoke-Psql "CREATE DATABASE $AppDb OWNER $App"
        $null = Invoke-Psql "ALTER DATABASE $AppDb SET work_mem = '64MB'"
        $null = Invoke-Psql "REVOKE CONNECT ON DATABASE $AppDb FROM PUBLIC"
        $null = Invoke-Psql "COMMENT ON DATABASE $AppDb IS 'the shop'"
        $null = Invoke-Psql 'CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 50)' $AppDb $App
        $script:AppUri = "postgres://postgres:$([uri]::EscapeDataString($Password))@$($Bed.PG_HOST):$($Bed.PG_PORT)/$AppDb"
        $script:Witness = "SELECT pg_get_userbyid(datdba) || ' ' || datacl::text || ' ' || array_to_string((SELECT setconfig FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0), ',') || ' ' || shobj_description(oid, 'pg_database') FROM pg_database d WHERE datname = '$AppDb'"
    }

    AfterAll {
        $null = Invoke-Psql "DROP DATABASE IF EXISTS $AppDb WITH (FORCE)"
        $null = Invoke-Psql "DROP ROLE IF EXISTS $App"
    }

    It 'writes the backup private (0600 files in a 0700 folder it made), and the restore gives the copy the database''s owner, access, settings and comment' {
        $folder = Join-Path $TestDrive 'app-backups'
        $backup = Invoke-DatabaseBackup -ConnectionString $AppUri -Path $folder
        (& stat -c %a $folder) | Should -Be '700'
        foreach ($file in $backup.Path, "$($backup.Path).json", "$($backup.Path).sha256") { (& stat -c %a $file) | Should -Be '600' -Because $file }
        $before = Invoke-Psql $Witness
        $before | Should -Match "^$App \{=T/$App,$App=CTc/$App\} work_mem=64MB the shop$"

        $result = Restore-DatabaseBackup -Path $backup.Path -ConnectionString $AdminUri -Force

        $result.Replaced | Should -BeTrue
        Invoke-Psql $Witness | Should -Be $before
        $result.Properties.Source | Should -Be 'target database'
        $result.Properties.Owner | Should -Be $App
        # The application's next migration still works: it may create a table in its public schema.
        Invoke-Psql 'CREATE TABLE orders_v2 (id int); DROP TABLE orders_v2' $AppDb $App | Should -Be 'CREATE TABLE', 'DROP TABLE'
        $view = $result.Properties | Format-List | Out-String -Width 80
        $view | Should -Match "Owner\s+: $App"
        $view | Should -Match 'Settings\s+: work_mem = ''64MB'''
        $view -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'refuses a plain SQL backup that would run a shell command, before anything runs' {
        $sql = Invoke-DatabaseBackup -ConnectionString $AppUri -Path (Join-Path $TestDrive 'app-sql') -Format Sql
        $hostile = Join-Path (Split-Path $sql.Path) "$($AppDb)_20200101_000000.sql"
        $ran = Join-Path $TestDrive 'ran'
        (& gunzip -c $sql.Path) + "\! touch $ran" | Set-Content $hostile
        Push-Location (Split-Path $hostile)
        try { & sha256sum (Split-Path $hostile -Leaf) | Set-Content "$hostile.sha256" } finally { Pop-Location }
        $oid = Invoke-Psql "SELECT oid FROM pg_database WHERE datname = '$AppDb'"

        { Restore-DatabaseBackup -Path $hostile -ConnectionString $AdminUri -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupHasMetaCommand,OpsRunbook.Database.RestoreDatabaseBackupCommand' -ExpectedMessage '*\!*'
        $ran | Should -Not -Exist
        Invoke-Psql "SELECT oid FROM pg_database WHERE datname = '$AppDb'" | Should -Be $oid
    }
}
