BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'RedisTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Url = Get-TestRedisUrl
    $script:CommandId = 'OpsRunbook.Redis.InvokeRedisBackupCommand'

    # sha256sum -c in the backup's folder, as an operator runs it; its exit code and output.
    function Test-Sidecar([string]$ChecksumPath) {
        Push-Location (Split-Path $ChecksumPath)
        try { $output = & sha256sum -c (Split-Path $ChecksumPath -Leaf) 2>&1; "$LASTEXITCODE $output" } finally { Pop-Location }
    }
}

Describe 'Invoke-RedisBackup' {
    BeforeEach {
        $script:Folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory $Folder
    }

    It 'saves, copies and checks the snapshot, with a sidecar that sha256sum -c verifies' {
        $marker = 'orb-backup-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = Invoke-RedisCli SET $marker v
        try {
            Push-Location $Folder
            try { $backup = Invoke-RedisBackup ./before-maintenance.rdb -ConnectionString $Url } finally { Pop-Location }
        }
        finally { $null = Invoke-RedisCli DEL $marker }

        $backup | Should -BeOfType ([OpsRunbook.RedisBackup])
        $backup.Path | Should -Be (Join-Path $Folder 'before-maintenance.rdb')
        $backup.ChecksumPath | Should -Be "$($backup.Path).sha256"
        (Get-ChildItem $Folder -Force).Name | Sort-Object | Should -Be @('before-maintenance.rdb', 'before-maintenance.rdb.sha256')
        Test-Sidecar $backup.ChecksumPath | Should -Be '0 before-maintenance.rdb: OK'
        [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($backup.Path), 0, 9) | Should -Match '^REDIS\d{4}$'
        [System.Text.Encoding]::ASCII.GetString([System.IO.File]::ReadAllBytes($backup.Path)) | Should -Match $marker
        $backup.SizeBytes | Should -Be (Get-Item $backup.Path).Length
        $backup.Sha256 | Should -Be (Get-FileHash $backup.Path -Algorithm SHA256).Hash.ToLowerInvariant()
        $backup.Server | Should -Be "127.0.0.1:$($Bed.REDIS_PORT)"
        $backup.SavedAt | Should -BeGreaterThan ([datetimeoffset]::Now.AddMinutes(-1))
        $table = $backup | Format-Table | Out-String -Width 300
        $table | Should -Match 'Server\s+SavedAt\s+Size\s+Duration\s+Sha256\s+Path'
        $table | Should -Match ([regex]::Escape($backup.Sha256.Substring(0, 16)) + '\.\.\.')
    }

    It 'names the file after the server and the time in a folder, from REDIS_URL or an inventory' {
        $fromEnvironment = Use-Environment @{ REDIS_URL = $Url } { Invoke-RedisBackup -Path $Folder }
        $fromInventory = Invoke-RedisBackup -Inventory (New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')) -Name redis -Path $Folder

        $fromEnvironment.Path | Should -Match "redis-127\.0\.0\.1-$($Bed.REDIS_PORT)-\d{8}T\d{6}Z\.rdb$"
        $fromInventory.Path | Should -Not -Be $fromEnvironment.Path
        Test-Sidecar $fromInventory.ChecksumPath | Should -Match '^0 .*: OK$'
    }

    It 'writes nothing with -WhatIf' {
        Invoke-RedisBackup -Path (Join-Path $Folder 'x.rdb') -ConnectionString $Url -WhatIf | Should -BeNullOrEmpty
        Get-ChildItem $Folder -Force | Should -BeNullOrEmpty
    }

    It 'copies the snapshot out of the container that runs the server' {
        $container = New-TestRedisContainer -Name ('orb-rbk-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        try {
            $null = Invoke-RedisCli -Port $container.Port DEBUG POPULATE 500 in-container
            $errors = $null
            $null = Invoke-RedisBackup -Path $Folder -ConnectionString $container.Url -ErrorVariable errors -ErrorAction SilentlyContinue
            $backup = Invoke-RedisBackup -Path $Folder -ConnectionString $container.Url -Container $container.Name -DockerHost $Bed.DOCKER_HOST

            $errors.FullyQualifiedErrorId | Should -Be "RedisBackupFileNotReachable,$CommandId"
            $errors[0].ErrorDetails.RecommendedAction | Should -Match '-Container'
            $backup.Source | Should -Be "$($container.Snapshot) in the container $($container.Name)"
            Test-Sidecar $backup.ChecksumPath | Should -Match '^0 .*: OK$'
            (Invoke-Docker exec $container.Name sha256sum $container.Snapshot) -join '' | Should -Match "^$($backup.Sha256) "
            (Get-ChildItem $Folder -Force).Count | Should -Be 2
        }
        finally { Remove-TestRedisContainer $container }
    }

    It 'reports a failed save as an error and leaves nothing that looks like a backup' {
        $server = Start-TestRedisServer
        try {
            # A folder where the snapshot's file should be: the server writes its temporary file, then cannot rename it.
            $null = New-Item -ItemType Directory (Join-Path $server.Directory 'dump.rdb')
            $errors = $null
            $null = Invoke-RedisBackup -Path $Folder -ConnectionString $server.Url -ErrorVariable errors -ErrorAction SilentlyContinue

            $errors.FullyQualifiedErrorId | Should -Be "RedisBackupSaveFailed,$CommandId"
            $errors[0].Exception.Message | Should -Match 'rdb_last_bgsave_status:err'
            Get-ChildItem $Folder -Force | Should -BeNullOrEmpty
        }
        finally { Stop-TestRedisServer $server }
    }

    It 'never overwrites a backup, and shows no password anywhere' {
        Set-Content (Join-Path $Folder 'taken.rdb') 'older'
        $errors = $null
        $verbose = Invoke-RedisBackup -Path (Join-Path $Folder 'taken.rdb') -ConnectionString $Url -Verbose -ErrorVariable errors -ErrorAction SilentlyContinue 4>&1 |
            Out-String -Width 500
        $errors.FullyQualifiedErrorId | Should -Be "RedisBackupExists,$CommandId"
        Get-Content (Join-Path $Folder 'taken.rdb') | Should -Be 'older'
        ($verbose + ($errors | Out-String)) | Save-TestArtifact -Name 'invoke-redis-backup.txt'
        $verbose | Should -Match 'Connected to redis://127\.0\.0\.1'
        $verbose | Should -Not -Match 'BGSAVE started'
        ($verbose + ($errors | Out-String)).Contains($Bed.PASSWORD) | Should -BeFalse

        $wrong = 'Wrong-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $errors = $null
        $null = Invoke-RedisBackup -Path $Folder -ConnectionString "redis://:$wrong@127.0.0.1:$($Bed.REDIS_PORT)" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.FullyQualifiedErrorId | Should -Be "RedisAuthenticationFailed,$CommandId"
        ($errors | Out-String) | Should -Not -Match $wrong
    }
}
