BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $env:DOCKER_HOST = $Bed.DOCKER_HOST
    $script:Projects = [System.Collections.Generic.List[string]]::new()

    function New-Project([switch]$BrokenDatabase) {
        $project = 'orbs-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script:Projects.Add($project)
        New-ThreeTierStack -Project $project -Root $TestDrive -BrokenDatabase:$BrokenDatabase
    }

    function Get-StartedAt([string]$Container) { [datetimeoffset](Get-DockerState $Container '{{.State.StartedAt}}') }
    function Get-FinishedAt([string]$Container) { [datetimeoffset](Get-DockerState $Container '{{.State.FinishedAt}}') }

    # When the container's HEALTHCHECK first passed, from the daemon's own health log.
    function Get-FirstHealthyAt([string]$Container) {
        $log = (Invoke-Docker inspect -f '{{json .State.Health.Log}}' $Container) -join '' | ConvertFrom-Json
        [datetimeoffset](($log | Where-Object ExitCode -eq 0 | Select-Object -First 1).End)
    }
}

AfterAll {
    foreach ($project in $Projects) { Remove-TestProject $project }
    Remove-Item Env:DOCKER_HOST -ErrorAction Ignore
}

Describe 'Start-ServiceStack and Stop-ServiceStack on a real three-tier stack' {
    It 'starts PostgreSQL and Redis first, the API only once both are healthy, and stops it all in reverse' {
        $stack = New-Project

        $steps = Start-ServiceStack -Project $stack.Project -TimeoutSec 120
        $steps | Save-TestArtifact -Name 'stack-steps.txt' -ErrorAction Ignore

        # What the cmdlet says.
        $steps | Should -BeOfType ([OpsRunbook.StackStep])
        $steps.Result | Sort-Object -Unique | Should -Be 'Done'
        $apiStart = [array]::IndexOf($steps, ($steps | Where-Object { $_.Service -eq 'api' -and $_.Action -eq 'Start' }))
        foreach ($tier in 'postgres', 'redis') {
            [array]::IndexOf($steps, ($steps | Where-Object { $_.Service -eq $tier -and $_.Action -eq 'Wait' })) | Should -BeLessThan $apiStart
        }

        # What the docker CLI witnesses: every tier healthy, and the API started after both were.
        foreach ($container in $stack.Postgres, $stack.Redis, $stack.Api) { Get-DockerState $container '{{.State.Health.Status}}' | Should -Be 'healthy' }
        Get-StartedAt $stack.Api | Should -BeGreaterThan (Get-FirstHealthyAt $stack.Postgres)
        Get-StartedAt $stack.Api | Should -BeGreaterThan (Get-FirstHealthyAt $stack.Redis)

        # And the services answer for real.
        $env:PGPASSWORD = 'unused'
        (& "$($Bed.PG_BIN)/psql" -X -A -t -h 127.0.0.1 -p $stack.PostgresPort -U postgres -d postgres -c 'SELECT 40 + 2') | Should -Be '42'
        (& redis-cli -p $stack.RedisPort ping) | Should -Be 'PONG'
        (Get-ServiceHealth -Uri "http://127.0.0.1:$($stack.HttpPort)/health/ready", "postgres://postgres@127.0.0.1:$($stack.PostgresPort)/postgres", "redis://127.0.0.1:$($stack.RedisPort)").Status |
            Sort-Object -Unique | Should -Be 'Healthy'

        $stopped = Stop-ServiceStack -Project $stack.Project -DrainSec 10 -TimeoutSec 10
        $stopped[0].Service | Should -Be 'api'
        ($stopped | Select-Object -Skip 1).Service | Sort-Object | Should -Be @('postgres', 'redis')
        $stopped.Result | Sort-Object -Unique | Should -Be 'Done'
        foreach ($container in $stack.Postgres, $stack.Redis, $stack.Api) { Get-DockerState $container | Should -Be 'exited' }
        Get-FinishedAt $stack.Api | Should -BeLessOrEqual (Get-FinishedAt $stack.Postgres)
        Get-FinishedAt $stack.Api | Should -BeLessOrEqual (Get-FinishedAt $stack.Redis)
        Get-DockerState $stack.Postgres '{{.State.ExitCode}}' | Should -Be '0'
    }

    It 'fails fast naming the tier that never became ready, and does not start what needs it' {
        $stack = New-Project -BrokenDatabase
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        $steps = try { Start-ServiceStack -Project $stack.Project -TimeoutSec 120 } catch { $err = $_ }
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $err.FullyQualifiedErrorId | Should -Be 'ServiceNotHealthy,OpsRunbook.Containers.StartServiceStackCommand'
        $err.Exception.Message | Should -Match 'postgres did not become ready: .*exited with code'
        $err.Exception.Message | Should -Match 'Not started: api'
        Get-DockerState $stack.Api | Should -Be 'created'
    }

    It 'changes nothing with -WhatIf' {
        $stack = New-Project
        Start-ServiceStack -Project $stack.Project -WhatIf | Should -BeNullOrEmpty
        foreach ($container in $stack.Postgres, $stack.Redis, $stack.Api) { Get-DockerState $container | Should -Be 'created' }
    }

    It 'starts one service with what it depends on, from an inventory whose probes decide readiness' {
        $stack = New-Project
        $inventory = Join-Path $TestDrive "$($stack.Project).psd1"
        @"
@{
    Name = '$($stack.Project)'
    Services = @(
        @{ Name = 'db'; Kind = 'Postgres'; Target = 'postgres://postgres@127.0.0.1:$($stack.PostgresPort)/postgres'; Container = '$($stack.Postgres)' }
        @{ Name = 'cache'; Kind = 'Redis'; Target = 'redis://127.0.0.1:$($stack.RedisPort)'; Container = '$($stack.Redis)' }
        @{ Name = 'api'; Kind = 'Http'; Target = 'http://127.0.0.1:$($stack.HttpPort)/health/ready'; Container = '$($stack.Api)'; DependsOn = 'db', 'cache' }
    )
}
"@ | Set-Content $inventory
        $steps = Start-ServiceStack -Inventory $inventory -Name cache -TimeoutSec 60
        ($steps.Service | Sort-Object -Unique) | Should -Be @('cache')
        ($steps | Where-Object Action -eq Wait).Detail | Should -Match 'its probe healthy'
        Get-DockerState $stack.Redis | Should -Be 'running'
        Get-DockerState $stack.Postgres | Should -Be 'created'

        $all = Start-ServiceStack -Inventory $inventory -TimeoutSec 60
        ($all | Where-Object { $_.Service -eq 'cache' -and $_.Action -eq 'Start' }).Result | Should -Be 'Unchanged'
        Get-DockerState $stack.Api | Should -Be 'running'
        $text = $all | Format-Table | Out-String -Width 250
        $text | Should -Match 'Service\s+Action\s+Result\s+Duration\s+Container\s+Detail'
    }

    It 'names a project or service that does not exist' {
        { Start-ServiceStack -Project 'no-such-project-xyz' } | Should -Throw -ErrorId 'ContainerNotFound,OpsRunbook.Containers.StartServiceStackCommand'
        $stack = New-Project
        { Stop-ServiceStack -Project $stack.Project -Service ghost } | Should -Throw -ErrorId 'ServiceNotFound,OpsRunbook.Containers.StopServiceStackCommand'
    }
}
