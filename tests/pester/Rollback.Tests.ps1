# Seed 003's rollback.sh as Invoke-Rollback, against a stack of real PostgreSQL, redis-server and an HTTP API in
# containers. Witnesses: psql, redis-cli, sha256sum and docker inspect.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Work = Join-Path $TestDrive 'rollback'
    $null = New-Item -ItemType Directory $Work
    $script:Points = Join-Path $Work 'backups'
    $env:ORB_REDIS_PASSWORD = $Bed.PASSWORD
    $script:Stack = New-RollbackTestStack -Project "orbrb$(Get-Random -Maximum 99999)" -Root $Work
    $null = Wait-ServiceHealth -Inventory $Stack.Inventory -TimeoutSec 60

    function Get-Witness {
        # What an operator checks, each by a tool of its own.
        [pscustomobject]@{
            Rows     = [int](Invoke-StackPsql $Stack 'SELECT count(*) FROM accounts')
            Newest   = [int](Invoke-StackPsql $Stack 'SELECT max(id) FROM accounts')
            Keys     = [int](Invoke-StackRedis $Stack DBSIZE)
            EnvFile  = ((& sha256sum (Join-Path $Stack.Config '.env')) -split ' ')[0]
            EnvMode  = (& stat -c '%a' (Join-Path $Stack.Config '.env'))
            Image    = (Invoke-Docker inspect -f '{{.Image}}' $Stack.Api) -join ''
            ApiToken = ((Invoke-Docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' $Stack.Api) | Where-Object { $_ -like 'API_TOKEN=*' }) -join ''
        }
    }

    $script:Before = Get-Witness
    $script:Point = New-RollbackPoint -Inventory $Stack.Inventory -Path $Points -Name 'before release 2'
}

AfterAll {
    Remove-RollbackTestStack $Stack
    Remove-Item Env:ORB_REDIS_PASSWORD -ErrorAction Ignore
}

Describe 'New-RollbackPoint' {
    It 'captures the database, the Redis data, both files and the three containers, in files sha256sum -c accepts' {
        $Point | Should -BeOfType ([OpsRunbook.RollbackPoint])
        $Point.Verification | Should -Be 'Valid'
        $Point.Name | Should -Be 'before release 2'
        $Point.Components | Should -Be @('Database', 'Redis', 'Config', 'Image')
        @($Point.Items | Where-Object Component -eq Image).Service | Sort-Object | Should -Be @('api', 'postgres', 'redis')
        Push-Location $Point.Path
        try { $check = & sha256sum -c SHA256SUMS 2>&1; $LASTEXITCODE | Should -Be 0 -Because ($check -join "`n") }
        finally { Pop-Location }
        (Get-Item $Point.Path).Name | Should -Be $Point.Timestamp
        Get-ChildItem $Points -Force -Filter '.*partial' | Should -BeNullOrEmpty
    }

    It 'keeps the API''s secret out of the point: the variable by name only, and the password in no file' {
        $settings = Get-Content (Join-Path $Point.Path 'containers/api.json') -Raw | ConvertFrom-Json
        $settings.SecretVariables | Should -Contain 'API_TOKEN'
        $settings.Config.Env | Should -Contain 'APP_MODE=production'
        foreach ($file in Get-ChildItem $Point.Path -Recurse -File) {
            [IO.File]::ReadAllText($file.FullName).Contains($Bed.PASSWORD) | Should -BeFalse -Because "$($file.Name) must not hold the password"
        }
    }

    It 'lists its points newest first, verifies them, and completes their timestamps' {
        $listed = @(Get-RollbackPoint -Path $Points -Verify)
        $listed[0].Timestamp | Should -Be $Point.Timestamp
        $listed.Verification | Should -Not -Contain 'Corrupt'
        $completion = TabExpansion2 -inputScript "Invoke-Rollback -Path '$Points' -Timestamp " -cursorColumn ("Invoke-Rollback -Path '$Points' -Timestamp ".Length)
        $completion.CompletionMatches.CompletionText | Should -Contain $Point.Timestamp
        ($completion.CompletionMatches | Where-Object CompletionText -eq $Point.Timestamp).ToolTip | Should -Match 'before release 2'
    }
}

Describe 'Invoke-Rollback' {
    It 'shows the plan with -WhatIf and changes nothing' {
        $pointsBefore = @(Get-ChildItem $Points -Directory).Count
        $plan = @(Invoke-Rollback -Path $Points -Latest -Inventory $Stack.Inventory -WhatIf)
        $plan.Result | Sort-Object -Unique | Should -Be 'Planned'
        $plan.Action | Should -Contain 'Take a safety point'
        $plan.Action[-1] | Should -Be 'Start the stack and wait for health'
        @(Get-ChildItem $Points -Directory).Count | Should -Be $pointsBefore
    }

    It 'rolls a failed deployment back: the rows, the keys, the file''s bytes and mode, the previous image, and a Healthy stack' {
        Invoke-RollbackTestDeployment $Stack
        $deployed = Get-Witness
        $deployed.Rows | Should -Be 251
        $deployed.Image | Should -Be $Stack.ImageV2
        (Get-ServiceHealth -Inventory $Stack.Inventory -Name api).Status | Should -Not -Be 'Healthy'

        $steps = @(Invoke-Rollback -Path $Points -Latest -Inventory $Stack.Inventory -Confirm:$false -DrainSec 5)
        $steps | Out-String -Width 250 | Save-TestArtifact -Name 'rollback-steps.txt'
        $steps.Result | Should -Not -Contain 'Failed'
        ($steps | Where-Object { $_.Component -eq 'Image' -and $_.Service -eq 'api' }).Result | Should -Be 'Done'
        ($steps | Where-Object { $_.Component -eq 'Image' -and $_.Service -eq 'postgres' }).Result | Should -Be 'Unchanged'

        $after = Get-Witness
        $after.Rows | Should -Be $Before.Rows
        $after.Newest | Should -Be $Before.Newest
        $after.Keys | Should -Be $Before.Keys
        $after.EnvFile | Should -Be $Before.EnvFile
        $after.EnvMode | Should -Be '600'
        $after.Image | Should -Be $Stack.ImageV1
        $after.ApiToken | Should -Be $Before.ApiToken -Because 'the secret comes from the container that was replaced'
        Get-ServiceHealth -Inventory $Stack.Inventory | ForEach-Object { $_.Status | Should -Be 'Healthy' -Because "$($_.Name): $($_.Error)" }
        $script:Deployed = $deployed
    }

    It 'rolls forward to its safety point: the deployment''s state exactly, and says the stack is not healthy' {
        $safety = Get-RollbackPoint -Path $Points | Where-Object SafetyFor -eq $Point.Timestamp | Select-Object -First 1
        $safety | Should -Not -BeNullOrEmpty
        (Get-RollbackPoint -Path $Points -Latest).Timestamp | Should -Be $Point.Timestamp -Because 'a second rollback to the latest must not undo the first'
        { Invoke-Rollback -Path $Points -Timestamp $safety.Timestamp -Inventory $Stack.Inventory -Force -TimeoutSec 5 -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackFailed,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage '*Every component*was put back*did not become healthy*api*'
        $forward = Get-Witness
        $forward.Rows | Should -Be $Deployed.Rows
        $forward.Newest | Should -Be 1000
        $forward.Keys | Should -Be $Deployed.Keys
        (Invoke-StackRedis $Stack GET release) | Should -Be '2'
        $forward.EnvFile | Should -Be $Deployed.EnvFile
        $forward.Image | Should -Be $Stack.ImageV2
        Join-Path $Points '.rollback-in-progress.json' | Should -Not -Exist

        # And back again, for the tests that follow.
        $null = Invoke-Rollback -Path $Points -Timestamp $Point.Timestamp -Inventory $Stack.Inventory -Force
        (Get-Witness).Image | Should -Be $Stack.ImageV1
    }

    It 'refuses a point with one byte changed in any file, before anything is touched' {
        $corrupt = Join-Path $Work 'corrupt'
        Copy-Item $Point.Path (Join-Path $corrupt $Point.Timestamp) -Recurse -Force
        $rdb = Join-Path $corrupt "$($Point.Timestamp)/redis/redis.rdb"
        $bytes = [IO.File]::ReadAllBytes($rdb); $bytes[20] = $bytes[20] -bxor 0xff; [IO.File]::WriteAllBytes($rdb, $bytes)
        (Get-RollbackPoint -Path $corrupt -Verify).Verification | Should -Be 'Corrupt'
        $apiBefore = (Invoke-Docker inspect -f '{{.Id}}' $Stack.Api) -join ''
        $null = Invoke-StackRedis $Stack SET untouched yes
        { Invoke-Rollback -Path $corrupt -Latest -Inventory $Stack.Inventory -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackPointCorrupt,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage '*redis/redis.rdb does not match*Nothing was changed*'
        (Invoke-Docker inspect -f '{{.Id}}' $Stack.Api) -join '' | Should -Be $apiBefore
        Invoke-StackRedis $Stack GET untouched | Should -Be 'yes'
        @(Get-ChildItem $corrupt -Directory).Count | Should -Be 1 -Because 'no safety point is taken for a point that is refused'
        $null = Invoke-StackRedis $Stack DEL untouched
    }

    It 'calls a point whose database dump is missing Incomplete and refuses it' {
        $incomplete = Join-Path $Work 'incomplete'
        Copy-Item $Point.Path (Join-Path $incomplete $Point.Timestamp) -Recurse -Force
        Get-ChildItem (Join-Path $incomplete "$($Point.Timestamp)/database") -Recurse -Filter '*.dump' | Remove-Item
        $checked = Get-RollbackPoint -Path $incomplete -Verify
        $checked.Verification | Should -Be 'Incomplete'
        $checked.Problems -join ' ' | Should -Match '\.dump is missing'
        { Invoke-Rollback -Path $incomplete -Latest -Inventory $Stack.Inventory -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackPointIncomplete,OpsRunbook.Rollback.InvokeRollbackCommand'
    }

    It 'stops before anything changes when its safety point cannot be taken, and drops the database it began restoring' {
        $databases = @(Invoke-StackPsql $Stack 'SELECT datname FROM pg_database ORDER BY 1')
        $null = Invoke-StackRedis $Stack SET untouched yes
        $count = @(Get-ChildItem $Points -Directory -Force).Count
        # The safety point's Redis backup is refused with a wrong password, after the database began restoring.
        $saved = $env:ORB_REDIS_PASSWORD
        $env:ORB_REDIS_PASSWORD = 'not-the-password'
        try {
            { Invoke-Rollback -InputObject $Point -Inventory $Stack.Inventory -Force -ErrorAction Stop } |
                Should -Throw -ErrorId 'RollbackFailed,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage '*safety point*'
        }
        finally { $env:ORB_REDIS_PASSWORD = $saved }
        @(Invoke-StackPsql $Stack 'SELECT datname FROM pg_database ORDER BY 1') | Should -Be $databases -Because 'the scratch database is dropped'
        Invoke-StackRedis $Stack GET untouched | Should -Be 'yes'
        (Get-ServiceHealth -Inventory $Stack.Inventory -Name api).Status | Should -Be 'Healthy' -Because 'the application tier was not stopped'
        @(Get-ChildItem $Points -Directory -Force).Count | Should -Be $count -Because 'no half-written safety point is left'
        $null = Invoke-StackRedis $Stack DEL untouched
    }

    It 'killed mid-way, leaves its safety point whole and says how to finish or undo it' {
        $script = @"
Import-Module '$(Get-BuiltModulePath)'
Invoke-Rollback -Path '$Points' -Timestamp $($Point.Timestamp) -Inventory '$($Stack.Inventory)' -Force -DrainSec 5
"@
        $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
        foreach ($argument in @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script)) { $info.ArgumentList.Add($argument) }
        $info.Environment['ORB_REDIS_PASSWORD'] = $Bed.PASSWORD
        $info.Environment['DOCKER_HOST'] = $Bed.DOCKER_HOST
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        $process = [System.Diagnostics.Process]::Start($info)
        $journal = Join-Path $Points '.rollback-in-progress.json'
        $deadline = [datetime]::UtcNow.AddSeconds(60)
        while (-not (Test-Path $journal) -and -not $process.HasExited -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $process.Kill($true)
        $process.WaitForExit()
        $journal | Should -Exist -Because 'the rollback was killed after its safety point and before it finished'
        Get-Content $journal -Raw | Save-TestArtifact -Name 'rollback-killed-journal.txt'
        $safety = (Get-Content $journal -Raw | ConvertFrom-Json).safety

        $warnings = @()
        $null = Get-RollbackPoint -Path $Points -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join ' ') | Should -Match "did not finish.*safety point $safety.*-Timestamp $safety returns to it.*-Timestamp $($Point.Timestamp) runs the rollback again"
        (Get-RollbackPoint -Path $Points -Timestamp $safety -Verify).Verification | Should -Be 'Valid'

        $steps = @(Invoke-Rollback -Path $Points -Timestamp $Point.Timestamp -Inventory $Stack.Inventory -Force -WarningAction SilentlyContinue)
        $steps.Result | Should -Not -Contain 'Failed'
        $journal | Should -Not -Exist
        Get-ServiceHealth -Inventory $Stack.Inventory | ForEach-Object { $_.Status | Should -Be 'Healthy' -Because "$($_.Name): $($_.Error)" }
        (Get-Witness).Rows | Should -Be $Before.Rows
    }
}

Describe 'Bad input to the rollback cmdlets' {
    It 'restores the point''s data into a scratch stack for the DR test, and refuses to touch the first stack''s files and containers' {
        # Seed 003's quarterly DR test: the latest set restored into a test environment, then smoke checks.
        $scratch = New-RollbackTestStack -Project "orbdr$(Get-Random -Maximum 99999)" -Root $Work -Rows 10 -Keys 5
        try {
            $apiBefore = (Invoke-Docker inspect -f '{{.Id}}' $Stack.Api) -join ''
            { Invoke-Rollback -InputObject $Point -Inventory $scratch.Inventory -Force -ErrorAction Stop } |
                Should -Throw -ErrorId 'RollbackTargetNotInInventory,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage '*does not list*belongs to another stack*'
            $steps = @(Invoke-Rollback -InputObject $Point -Inventory $scratch.Inventory -Component Database, Redis -Force)
            $steps.Result | Should -Not -Contain 'Failed'
            [int](Invoke-StackPsql $scratch 'SELECT count(*) FROM accounts') | Should -Be $Before.Rows
            [int](Invoke-StackRedis $scratch DBSIZE) | Should -Be $Before.Keys
            Get-ServiceHealth -Inventory $scratch.Inventory | ForEach-Object { $_.Status | Should -Be 'Healthy' -Because "$($_.Name): $($_.Error)" }
            (Invoke-Docker inspect -f '{{.Id}}' $Stack.Api) -join '' | Should -Be $apiBefore -Because 'the first stack is not touched'
        }
        finally { Remove-RollbackTestStack $scratch }
    }

    It 'names an unknown timestamp and lists the ones there are' {
        { Invoke-Rollback -Path $Points -Timestamp 20200101_000000 -Inventory $Stack.Inventory -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackPointNotFound,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage "*has no restore point 20200101_000000*$($Point.Timestamp)*"
    }

    It 'refuses a timestamp that is not yyyyMMdd_HHmmss' {
        { Get-RollbackPoint -Path $Points -Timestamp 'yesterday' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsRunbook.Rollback.GetRollbackPointCommand'
    }

    It 'says what a restore point folder is when given another folder' {
        { Get-RollbackPoint -Path $Stack.Config -ErrorAction Stop } | Should -Throw -ErrorId 'NotARollbackFolder,OpsRunbook.Rollback.GetRollbackPointCommand' -ExpectedMessage '*holds no restore points*'
        { Get-RollbackPoint -Path (Join-Path $Work 'nowhere') -ErrorAction Stop } | Should -Throw -ErrorId 'RollbackFolderNotFound,OpsRunbook.Rollback.GetRollbackPointCommand'
    }

    It 'refuses a component the inventory does not have' {
        $noRedis = Join-Path $Work 'no-redis.psd1'
        (Get-Content $Stack.Inventory -Raw) -replace "(?m)^.*Kind = 'Redis'.*$", '' -replace "DependsOn = 'postgres', 'redis'", "DependsOn = 'postgres'" | Set-Content $noRedis
        { Invoke-Rollback -Path $Points -Latest -Inventory $noRedis -Component Redis -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'RollbackComponentNotInInventory,OpsRunbook.Rollback.InvokeRollbackCommand' -ExpectedMessage '*has no Redis service*'
    }

    It 'names a configuration file that is missing when taking a point, and leaves no point behind' {
        $missing = Join-Path $Work 'missing-config.psd1'
        (Get-Content $Stack.Inventory -Raw).Replace("'./$($Stack.Project)-config/.env'", "'./$($Stack.Project)-config/.env.missing'") | Set-Content $missing
        $count = @(Get-ChildItem $Points -Directory -Force).Count
        { New-RollbackPoint -Inventory $missing -Path $Points -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigFileNotFound,OpsRunbook.Rollback.NewRollbackPointCommand' -ExpectedMessage '*.env.missing*'
        @(Get-ChildItem $Points -Directory -Force).Count | Should -Be $count
    }

    It 'shows no password in any step, error or file of the points' {
        $text = (Get-RollbackPoint -Path $Points | Out-String) + (Invoke-Rollback -Path $Points -Latest -Inventory $Stack.Inventory -WhatIf | Out-String)
        $text.Contains($Bed.PASSWORD) | Should -BeFalse
        foreach ($file in Get-ChildItem $Points -Recurse -File -Force) {
            [IO.File]::ReadAllText($file.FullName).Contains($Bed.PASSWORD) | Should -BeFalse -Because "$($file.FullName) must not hold the password"
        }
    }
}
