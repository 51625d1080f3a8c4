BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Inventory = New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')
    $script:CommandId = 'OpsRunbook.Health.WaitServiceHealthCommand'

    function Get-UnixMsFromNow([int]$Milliseconds) { [DateTimeOffset]::UtcNow.AddMilliseconds($Milliseconds).ToUnixTimeMilliseconds() }
}

Describe 'Wait-ServiceHealth' {
    It 'waits until a starting service is ready, instead of sleep 15' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $health = Wait-ServiceHealth -Uri "$Http/health/ready?healthyAfter=$(Get-UnixMsFromNow 1500)" -Name api -TimeoutSec 20
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.4
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        $health.Name | Should -Be 'api'
        $health.Status | Should -Be 'Healthy'
    }

    It 'returns at once when everything is already healthy, one object per service' {
        $results = Wait-ServiceHealth -Inventory $Inventory -TimeoutSec 30
        ($results.Name | Sort-Object) | Should -Be @('api', 'api-tls', 'postgres', 'redis')
        $results.Status | Sort-Object -Unique | Should -Be 'Healthy'
    }

    It 'fails with ServiceNotHealthy naming the services still failing and why' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $err = $null
        $results = Wait-ServiceHealth -Uri "$Http/health", "$Http/health/ready?status=503" -Name liveness, readiness -TimeoutSec 2 -ErrorVariable err -ErrorAction SilentlyContinue
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 1.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 6
        ($results | Sort-Object Name).Status | Should -Be @('Healthy', 'Unhealthy')
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be "ServiceNotHealthy,$CommandId"
        $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err[0].Exception.Message | Should -Match 'readiness is Unhealthy: HTTP 503'
        $err[0].Exception.Message | Should -Not -Match 'liveness is'
    }

    It 'stops the script with -ErrorAction Stop' {
        { Wait-ServiceHealth -Uri "$Http/status/500" -TimeoutSec 1 -ErrorAction Stop } | Should -Throw -ErrorId "ServiceNotHealthy,$CommandId"
    }

    It 'accepts Degraded with -AllowDegraded' {
        (Wait-ServiceHealth -Uri "$Http/health/ready?mode=degraded" -AllowDegraded -TimeoutSec 5).Status | Should -Be 'Degraded'
        $err = $null
        $null = Wait-ServiceHealth -Uri "$Http/health/ready?mode=degraded" -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be "ServiceNotHealthy,$CommandId"
    }

    It 'waits for what Get-ServiceHealth found unhealthy, from the pipeline, with the secrets it was given' {
        $first = Get-ServiceHealth -Inventory $Inventory
        $first.Count | Should -Be 4
        # The inventory's password variable is gone by now: the piped results carry what they were probed with.
        Remove-Item Env:OPSRUNBOOK_TEST_PASSWORD
        try {
            $again = $first | Where-Object Kind -in Postgres, Redis | Wait-ServiceHealth -TimeoutSec 10
            ($again.Name | Sort-Object) | Should -Be @('postgres', 'redis')
            $again.Status | Sort-Object -Unique | Should -Be 'Healthy'
        }
        finally { $env:OPSRUNBOOK_TEST_PASSWORD = $Bed.PASSWORD }
    }

    It 'shows progress and verbose rounds while it waits' {
        $verbose = Wait-ServiceHealth -Uri "$Http/health/ready?healthyAfter=$(Get-UnixMsFromNow 1200)" -TimeoutSec 20 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'Round 1 .*0 of 1 ready; waiting for'
        ($verbose.Message -join "`n") | Should -Match '1 of 1 ready\.'
    }

    It 'rejects a timeout of <Value>' -ForEach @(@{ Value = 0 }, @{ Value = -5 }) {
        { Wait-ServiceHealth -Uri "$Http/health" -TimeoutSec $Value } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsRunbook.Health.WaitServiceHealthCommand'
    }
}
