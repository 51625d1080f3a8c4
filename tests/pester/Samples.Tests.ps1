AfterAll {
    Stop-ExampleWorkerSession
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Get-RepositoryRoot
}

Describe 'samples/portfolio-advisor-health.ps1 (seed 000: startup procedure and health checks)' {
    It 'waits for the stack in order, prints the health table and exits 0 when all is healthy' {
        $work = Join-Path $TestDrive 'sample'
        $environment = Initialize-ExampleDirectory -Path $work
        $environment.PSModulePath = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $work -Command @"
& '$Root/samples/portfolio-advisor-health.ps1' -Inventory ./stack.psd1 -StartupTimeoutSec 30
exit `$LASTEXITCODE
"@
        $text = $output -join "`n"
        $text | Save-TestArtifact -Name 'sample-portfolio-advisor-health.txt'
        $text | Should -Match 'Step 1: waiting for PostgreSQL and Redis'
        $text | Should -Match 'Name\s+Kind\s+Status'
        $text | Should -Match 'api\s+Http\s+Healthy'
        $text | Should -Match 'postgres\s+Postgres\s+Healthy'
        $text | Should -Match 'postgresql\s+Healthy\s+ok'
        $text | Should -Match 'All 4 services are healthy\.'
        $text.Contains((Get-TestBed).PASSWORD) | Should -BeFalse -Because 'no output may hold the password'
    }

    It 'exits 1 and names the service when one is down' {
        $work = Join-Path $TestDrive 'sample-down'
        $environment = Initialize-ExampleDirectory -Path $work
        $environment.PSModulePath = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        # The liveness endpoint pointed at a closed port: the stack starts, but one check fails.
        $inventory = Join-Path $work 'stack.psd1'
        (Get-Content $inventory -Raw).Replace("$((Get-TestBed).HTTP_URL)/health'", "http://127.0.0.1:$(Get-ClosedPort)/health'") | Set-Content $inventory
        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $work -Command @"
& '$Root/samples/portfolio-advisor-health.ps1' -Inventory ./stack.psd1 -StartupTimeoutSec 30
'exit-code:' + `$LASTEXITCODE
"@
        $output | Should -Contain 'exit-code:1'
        ($output -join "`n") | Should -Match 'api-liveness is Unhealthy: connection refused'
    }
}
