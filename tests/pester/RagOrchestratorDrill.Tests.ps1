# Drill for samples/rag-orchestrator.ps1 (seed 003), run as an operator runs it: a new pwsh importing the built
# module, against a stack of real PostgreSQL, redis-server and an HTTP API in containers on the test dockerd.
# Witnesses: psql, redis-cli, docker inspect, and the incident store.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Root = Get-RepositoryRoot
    $script:Work = Join-Path $TestDrive 'rag'
    $null = New-Item -ItemType Directory $Work
    $script:Backups = Join-Path $Work 'backups'
    $script:Store = Join-Path $Work 'incidents'
    $script:Stack = New-RollbackTestStack -Project "orbrag$(Get-Random -Maximum 99999)" -Root $Work
    $null = Use-Environment @{ ORB_REDIS_PASSWORD = $Bed.PASSWORD } { Wait-ServiceHealth -Inventory $Stack.Inventory -TimeoutSec 60 }

    function Invoke-RagSample([string]$Arguments) {
        # The sample as an operator runs it; its output, the exit code as the last line.
        $output = Invoke-Sample rag-orchestrator.ps1 $Arguments -WorkingDirectory $Work -Environment @{ ORB_REDIS_PASSWORD = $Bed.PASSWORD; OPSRUNBOOK_INCIDENT_STORE = $Store }
        $output | Save-TestArtifact -Name "sample-rag-orchestrator-$(($Arguments -split ' ')[1]).txt"
        ($output -join "`n").Contains($Bed.PASSWORD) | Should -BeFalse -Because 'no output may hold the password'
        $output
    }

    $script:Before = Get-RollbackTestWitness $Stack
}

AfterAll {
    Remove-RollbackTestStack $Stack
}

Describe 'samples/rag-orchestrator.ps1 (seed 003)' {
    It 'reports every component healthy (health-check.sh)' {
        $output = Invoke-RagSample "-Procedure Health -Inventory '$($Stack.Inventory)'"
        $output[-1] | Should -Be 'exit-code:0'
        ($output -join "`n") | Should -Match 'api\s+Http\s+Healthy'
        ($output -join "`n") | Should -Match 'Every service is healthy\.'
    }

    It 'takes the backup set before a deployment, and says how to return to it' {
        $output = Invoke-RagSample "-Procedure BeforeDeployment -Inventory '$($Stack.Inventory)' -BackupPath '$Backups' -Name 'before release 2'"
        $output[-1] | Should -Be 'exit-code:0'
        $point = Get-RollbackPoint -Path $Backups -Latest -Verify
        $point.Verification | Should -Be 'Valid'
        $point.Name | Should -Be 'before release 2'
        ($output -join "`n") | Should -Match "Procedure Rollback -Timestamp $($point.Timestamp)"
        $script:Point = $point
    }

    It 'takes a point without a name too, keeping the last -KeepLast' {
        $output = Invoke-RagSample "-Procedure BeforeDeployment -Inventory '$($Stack.Inventory)' -BackupPath '$Work/unnamed' -KeepLast 1"
        $output[-1] | Should -Be 'exit-code:0'
        $null = Invoke-RagSample "-Procedure BeforeDeployment -Inventory '$($Stack.Inventory)' -BackupPath '$Work/unnamed' -KeepLast 1"
        $points = @(Get-RollbackPoint -Path "$Work/unnamed")
        $points.Count | Should -Be 1
        $points[0].Name | Should -BeNullOrEmpty
    }

    It 'shows the rollback with -WhatIf and changes nothing' {
        $null = Invoke-StackRedis $Stack SET whatif untouched
        $output = Invoke-RagSample "-Procedure Rollback -Inventory '$($Stack.Inventory)' -BackupPath '$Backups' -WhatIf"
        $output[-1] | Should -Be 'exit-code:0'
        ($output -join "`n") | Should -Match 'What if: .*Roll back: 1\. Verify the restore point'
        Invoke-StackRedis $Stack GET whatif | Should -Be 'untouched'
        $null = Invoke-StackRedis $Stack DEL whatif
    }

    It 'drill: a failed deployment is an outage; a restart does not help, the rollback does, and the incident is closed with its post-mortem' {
        Invoke-RollbackTestDeployment $Stack
        (Get-RollbackTestWitness $Stack).Image | Should -Be $Stack.ImageV2
        $reports = Join-Path $Work 'postmortems'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $began = [datetimeoffset]::UtcNow
        $output = Invoke-RagSample "-Procedure Outage -Inventory '$($Stack.Inventory)' -BackupPath '$Backups' -RestartTimeoutSec 5 -TimeoutSec 60 -ReportPath '$reports'"
        $ended = [datetimeoffset]::UtcNow
        $clock.Stop()
        $output[-1] | Should -Be 'exit-code:0'
        $text = $output -join "`n"
        $text | Should -Match '== 2\. Restart all services'
        $text | Should -Match '== 3\. Still failing after the restart: roll back to the latest point'
        $text | Should -Match "Resolved INC-\S+ after .*: Rolled back to restore point $($Point.Timestamp)"

        # What the operator checks: the data and the image of before the deployment, every service healthy.
        $after = Get-RollbackTestWitness $Stack
        $after.Rows | Should -Be $Before.Rows
        $after.Keys | Should -Be $Before.Keys
        $after.Image | Should -Be $Stack.ImageV1
        Use-Environment @{ ORB_REDIS_PASSWORD = $Bed.PASSWORD } { Get-ServiceHealth -Inventory $Stack.Inventory } |
            ForEach-Object { $_.Status | Should -Be 'Healthy' -Because "$($_.Name): $($_.Error)" }

        $incident = Get-Incident -Store $Store
        $incident.Status | Should -Be 'Resolved'
        $incident.Severity | Should -Be 'P1'
        $incident.Resolution | Should -Be "Rolled back to restore point $($Point.Timestamp)"
        $incident.Duration.TotalSeconds | Should -BeLessThan $clock.Elapsed.TotalSeconds
        # Every command after the incident opened is on its timeline, the rollback with its steps, and in the post-mortem.
        $actions = @($incident.Actions)
        $actions.Command | Should -Be @('Restart-ServiceContainer', 'Wait-ServiceHealth', 'Invoke-Rollback', 'Get-ServiceLog', 'Get-ServiceLog', 'Get-ServiceLog', 'Get-ServiceHealth')
        ($actions | Where-Object Command -eq 'Wait-ServiceHealth').Error | Should -Match 'ServiceNotHealthy'
        ($actions | Where-Object Command -eq 'Invoke-Rollback').Summary | Should -Match '11 rollback steps'
        ($actions | Where-Object Command -eq 'Invoke-Rollback').Parameters | Should -Match "-Latest"
        (Get-ChildItem $reports -Filter "$($incident.Id)-postmortem.md") | Should -Not -BeNullOrEmpty
        # Each action within the run, one after another, listed in the post-mortem with its start.
        $text = Assert-DrillActions $actions -ReportPath $reports -Began $began -Ended $ended
        $text | Save-TestArtifact -Name 'drill-rag-orchestrator-postmortem.md'
        $text | Should -Match "Rolled back to restore point $($Point.Timestamp)"
        $text | Should -Match 'Actions taken'
        $text | Should -Match '`Invoke-Rollback'
        $text.Contains($Bed.PASSWORD) | Should -BeFalse
    }

    It 'rolls back to a timestamp, as rollback.sh TIMESTAMP, and leaves the stack healthy' {
        $null = Invoke-StackRedis $Stack SET 'after-the-point' 'yes'
        $output = Invoke-RagSample "-Procedure Rollback -Timestamp $($Point.Timestamp) -Inventory '$($Stack.Inventory)' -BackupPath '$Backups' -TimeoutSec 60"
        $output[-1] | Should -Be 'exit-code:0'
        ($output -join "`n") | Should -Match 'Rolled back; every service is healthy\.'
        Invoke-StackRedis $Stack EXISTS 'after-the-point' | Should -Be '0'
        (Get-RollbackTestWitness $Stack).Keys | Should -Be $Before.Keys
    }

    It 'DR test: the latest point restores into a scratch stack, which passes its smoke tests' {
        $scratch = New-RollbackTestStack -Project "orbragdr$(Get-Random -Maximum 99999)" -Root $Work -Rows 3 -Keys 1
        try {
            $output = Invoke-RagSample "-Procedure DrTest -BackupPath '$Backups' -ScratchInventory '$($scratch.Inventory)' -TimeoutSec 60"
            $output[-1] | Should -Be 'exit-code:0'
            ($output -join "`n") | Should -Match "DR test passed: restore point $($Point.Timestamp) restores"
            $restored = Get-RollbackTestWitness $scratch
            $restored.Rows | Should -Be $Before.Rows
            $restored.Keys | Should -Be $Before.Keys
            $restored.Image | Should -Be $scratch.ImageV1 -Because 'a DR test restores data, never another stack''s containers'
        }
        finally { Remove-RollbackTestStack $scratch }
    }

    It 'DR test fails, exit code 1, when the latest point is corrupt' {
        $corrupt = Join-Path $Work 'corrupt-backups'
        Copy-Item $Point.Path (Join-Path $corrupt $Point.Timestamp) -Recurse
        $dump = Get-ChildItem (Join-Path $corrupt $Point.Timestamp) -Recurse -Filter '*.dump' | Select-Object -First 1
        $bytes = [IO.File]::ReadAllBytes($dump.FullName); $bytes[100] = $bytes[100] -bxor 0xff; [IO.File]::WriteAllBytes($dump.FullName, $bytes)
        $output = Invoke-RagSample "-Procedure DrTest -BackupPath '$corrupt' -ScratchInventory '$($Stack.Inventory)'"
        $output[-1] | Should -Be 'exit-code:1'
        ($output -join "`n") | Should -Match "DR test failed: the latest point $($Point.Timestamp) is Corrupt"
    }

    It 'runs the database maintenance: size, largest tables, VACUUM ANALYZE' {
        $output = Invoke-RagSample "-Procedure Maintenance -Inventory '$($Stack.Inventory)'"
        $output[-1] | Should -Be 'exit-code:0'
        $text = $output -join "`n"
        $text | Should -Match 'accounts'
        $text | Should -Match 'Vacuum'
    }
}
