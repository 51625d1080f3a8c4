BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Project = 'orbp-' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $env:DOCKER_HOST = $Bed.DOCKER_HOST
    $script:Db = New-TestContainer -Project $Project -Service db -HealthCommand 'true'
    $script:Web = New-TestContainer -Project $Project -Service web -DependsOn db
    $script:Idle = New-TestContainer -Project $Project -Service idle -NoStart
}

AfterAll {
    Remove-TestProject $Project
    Remove-Item Env:DOCKER_HOST -ErrorAction Ignore
}

Describe 'Get-ServiceContainer' {
    It 'lists a compose project''s running containers, and stopped ones with -All' {
        $running = Get-ServiceContainer -Project $Project
        ($running.Service | Sort-Object) | Should -Be @('db', 'web')
        ($running | Where-Object Service -eq web).DependsOn | Should -Be @('db')
        $all = Get-ServiceContainer -Project $Project -All
        ($all | Where-Object Service -eq idle).State | Should -Be 'Created'
        $all | Should -BeOfType ([OpsRunbook.ServiceContainer])
    }

    It 'shows the compose ps columns in its default table' {
        $text = Get-ServiceContainer -Project $Project -All | Format-Table | Out-String -Width 250
        $text | Should -Match 'Project\s+Service\s+Name\s+State\s+Health\s+Uptime\s+Restarts\s+Image\s+Ports'
        $text | Should -Match "$Project\s+web\s+$([regex]::Escape($Web))\s+Running"
    }

    It 'finds containers by name with wildcards and names the ones that do not exist' {
        $err = $null
        $found = Get-ServiceContainer -Name "$Project-w*", "$Project-ghost" -ErrorVariable err -ErrorAction SilentlyContinue
        $found.Name | Should -Be $Web
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'ContainerNotFound,OpsRunbook.Containers.GetServiceContainerCommand'
        $err[0].TargetObject | Should -Be "$Project-ghost"
    }

    It 'is one DockerUnavailable error when the daemon cannot be reached, however many containers were asked for' {
        $err = $null
        $null = try { Get-ServiceContainer -Name a, b, c -DockerHost 'unix:///tmp/opsrunbook-no-such.sock' -ErrorVariable err } catch { $err = @($_) }
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'DockerUnavailable,OpsRunbook.Containers.GetServiceContainerCommand'
        $err[0].Exception.Message | Should -Match 'the socket /tmp/opsrunbook-no-such.sock does not exist'
        { Get-ServiceContainer -DockerHost 'ftp://x' } | Should -Throw -ErrorId 'InvalidDockerHost,OpsRunbook.Containers.GetServiceContainerCommand'
    }
}

Describe 'Start-, Stop- and Restart-ServiceContainer' {
    It 'changes nothing with -WhatIf' {
        Stop-ServiceContainer -Name $Web -WhatIf
        Start-ServiceContainer -Name $Idle -WhatIf
        Get-DockerState $Web | Should -Be 'running'
        Get-DockerState $Idle | Should -Be 'created'
    }

    It 'starts from the pipeline and writes the container with -PassThru' {
        $started = Get-ServiceContainer -Project $Project -Service idle -All | Start-ServiceContainer -PassThru -Confirm:$false
        $started.State | Should -Be 'Running'
        Get-DockerState $Idle | Should -Be 'running'
    }

    It 'stops gracefully within -TimeoutSec and restarts' {
        $stopped = Stop-ServiceContainer -Project $Project -Service idle -TimeoutSec 10 -PassThru -Confirm:$false
        $stopped.State | Should -Be 'Exited'
        $stopped.ExitCode | Should -Be 0
        Get-DockerState $Idle | Should -Be 'exited'
        $before = Get-DockerState $Web '{{.State.StartedAt}}'
        $restarted = Restart-ServiceContainer -Name $Web -TimeoutSec 5 -PassThru
        $restarted.State | Should -Be 'Running'
        Get-DockerState $Web '{{.State.StartedAt}}' | Should -Not -Be $before
    }

    It 'reports a container that ignores SIGTERM, then kills it' {
        $stubborn = New-TestContainer -Project $Project -Service stubborn -Command @('sleep', '1000')
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $warnings = Stop-ServiceContainer -Name $stubborn -TimeoutSec 1 -Confirm:$false 3>&1
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        ($warnings -join "`n") | Should -Match 'did not stop within 1 s of SIGTERM and was killed'
        Get-DockerState $stubborn '{{.State.ExitCode}}' | Should -Be '137'
    }

    It 'names a container that does not exist and goes on with the others' {
        $err = $null
        $result = Start-ServiceContainer -Name "$Project-ghost-1", $Db -PassThru -ErrorVariable err -ErrorAction SilentlyContinue
        $result.Name | Should -Be $Db
        $err[0].FullyQualifiedErrorId | Should -Be 'ContainerNotFound,OpsRunbook.Containers.StartServiceContainerCommand'
    }
}

Describe 'Get-ServiceLog' {
    BeforeAll {
        # Its own container: the others are restarted above, and a restart adds its output again.
        $script:Logger = New-TestContainer -Project $Project -Service logger -Script @'
trap 'exit 0' TERM
echo '{"level":"info","msg":"listening","traceId":"t-1"}'
echo '{"level":"error","msg":"upstream timed out","traceId":"t-2","error":{"name":"TimeoutError"}}'
echo 'warn: slow query' >&2
while true; do sleep 0.1; done
'@
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while (@(Invoke-Docker logs $Logger).Count -lt 3 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
    }

    It 'writes each line as an object with stream, level, message, trace id and the parsed JSON' {
        $lines = Get-ServiceLog -Name $Logger
        $failure = $lines | Where-Object Level -eq error
        $failure.Message | Should -Be 'upstream timed out'
        $failure.TraceId | Should -Be 't-2'
        $failure.Data.error.name | Should -Be 'TimeoutError'
        ($lines | Where-Object Stream -eq Stderr).Line | Should -Be 'warn: slow query'
        $lines[0].Timestamp | Should -BeOfType ([datetimeoffset])
    }

    It 'filters by -Level, -TraceId, -Pattern, -Since and -Tail' {
        (Get-ServiceLog -Name $Logger -Level error).Message | Should -Be 'upstream timed out'
        (Get-ServiceLog -Name $Logger -TraceId t-1).Message | Should -Be 'listening'
        (Get-ServiceLog -Name $Logger -Pattern 'SLOW\s+query').Stream | Should -Be 'Stderr'
        @(Get-ServiceLog -Name $Logger -Since '1h').Count | Should -BeGreaterOrEqual 3
        @(Get-ServiceLog -Name $Logger -Since (New-TimeSpan -Minutes 30)).Count | Should -BeGreaterOrEqual 3
        Get-ServiceLog -Name $Logger -Since ([datetime]::Now.AddMinutes(5)) | Should -BeNullOrEmpty
        @(Get-ServiceLog -Name $Logger -Tail 2).Count | Should -Be 2
        Get-ServiceLog -Project $Project -Service logger -Level error | Should -HaveCount 1
    }

    It 'shows time, container, stream, level and message in its default table' {
        $text = Get-ServiceLog -Name $Logger -Level error | Format-Table | Out-String -Width 250
        $text | Should -Match 'Timestamp\s+Container\s+Stream\s+Level\s+Message'
        $text | Should -Match 'Stdout\s+error\s+upstream timed out'
    }

    It 'rejects a bad <Parameter> with <ErrorId>' -ForEach @(
        @{ Parameter = '-Since'; ErrorId = 'InvalidSince'; Script = { Get-ServiceLog -Name $Logger -Since 'last tuesday-ish' } }
        @{ Parameter = '-Pattern'; ErrorId = 'InvalidPattern'; Script = { Get-ServiceLog -Name $Logger -Pattern '(unclosed' } }
    ) {
        { & $Script } | Should -Throw -ErrorId "$ErrorId,OpsRunbook.Containers.GetServiceLogCommand"
    }

    It 'follows new lines with -Follow until stopped' {
        $ticker = New-TestContainer -Project $Project -Service ticker -Script "trap 'exit 0' TERM; i=0; while true; do i=`$((i+1)); echo tick `$i; sleep 0.2; done"
        $shell = [powershell]::Create()
        try {
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $null = $shell.AddScript("`$env:DOCKER_HOST = '$($Bed.DOCKER_HOST)'; Import-Module '$(Get-BuiltModulePath)'; Get-ServiceLog -Name $ticker -Tail 0 -Follow")
            $running = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($output.Count -lt 3 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $output.Count | Should -BeGreaterOrEqual 3
            $running.IsCompleted | Should -BeFalse
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            $output[0].Message | Should -Match '^tick \d+$'
        }
        finally { $shell.Dispose() }
    }
}

Describe 'Get-ServiceContainerStat' {
    It 'samples CPU, memory and processes of the running containers' {
        $stats = Get-ServiceContainerStat -Project $Project
        ($stats.Name | Sort-Object) | Should -Contain $Web
        $stats | ForEach-Object { $_.MemoryUsedBytes | Should -BeGreaterThan 0; $_.Pids | Should -BeGreaterOrEqual 1 }
        $text = $stats | Format-Table | Out-String -Width 250
        $text | Should -Match 'Name\s+CPU %\s+Memory\s+Limit\s+Mem %\s+Net in/out\s+Block read/write\s+Pids'
    }

    It 'samples one container at a time with -ThrottleLimit 1, each taking about a second' {
        $running = @(Get-ServiceContainer -Project $Project | Where-Object State -eq Running)
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $stats = @(Get-ServiceContainerStat -Project $Project -ThrottleLimit 1)
        $stats.Count | Should -Be $running.Count
        if ($running.Count -ge 2) { $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual ($running.Count - 1) }
    }
}

Describe 'Get-ServiceHealth -Kind Container' {
    It 'is Healthy for a running container, Unhealthy for an exited one, from -Uri and from an inventory' {
        $exited = New-TestContainer -Project $Project -Service crashed -Script 'exit 2'
        $deadline = [datetime]::UtcNow.AddSeconds(10)
        while ((Get-DockerState $exited) -ne 'exited' -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        $results = Get-ServiceHealth -Uri "container://$Web", $exited -Kind Container
        ($results | Where-Object Name -eq $Web).Status | Should -Be 'Healthy'
        ($results | Where-Object Name -eq $exited).Error | Should -Be 'exited with code 2'
        $inventory = Join-Path $TestDrive 'containers.psd1'
        "@{ Services = @( @{ Name = 'web'; Kind = 'Container'; Target = '$Web' } ) }" | Set-Content $inventory
        (Get-ServiceHealth -Inventory $inventory).Status | Should -Be 'Healthy'
    }
}
