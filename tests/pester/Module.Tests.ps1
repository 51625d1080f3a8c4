BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ManifestPath = Get-BuiltModulePath
    $script:ModuleDirectory = Split-Path $ManifestPath
}

Describe 'The built module' {
    It 'has a manifest that Test-ModuleManifest accepts, with the gallery metadata' {
        $manifest = Test-ModuleManifest -Path $ManifestPath -ErrorAction Stop
        $manifest.Version | Should -BeGreaterThan ([version]'0.0.1')
        $manifest.Guid | Should -Not -Be ([guid]::Empty)
        $manifest.Author | Should -Not -BeNullOrEmpty
        $manifest.Description | Should -Not -BeNullOrEmpty
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
        $manifest.LicenseUri | Should -Not -BeNullOrEmpty
        $manifest.ProjectUri | Should -Not -BeNullOrEmpty
        $manifest.Tags | Should -Contain 'Runbook'
        $manifest.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the cmdlets its manifest lists, with no wildcards and no functions, aliases or variables' {
        $data = Import-PowerShellDataFile $ManifestPath
        $data.CmdletsToExport | Should -Not -Contain '*'
        @($data.FunctionsToExport).Count | Should -Be 0
        @($data.AliasesToExport).Count | Should -Be 0
        @($data.VariablesToExport).Count | Should -Be 0
        Import-BuiltModule
        $exported = (Get-Command -Module OpsRunbook).Name | Sort-Object
        $exported | Should -Be ($data.CmdletsToExport | Sort-Object)
        (Get-Command -Module OpsRunbook).CommandType | Sort-Object -Unique | Should -Be 'Cmdlet'
    }

    It 'keeps the engine and its dependencies out of the folder PowerShell loads from' {
        (Get-ChildItem $ModuleDirectory -Filter *.dll).Name | Sort-Object | Should -Be @('OpsRunbook.dll', 'OpsRunbook.Model.dll')
        (Get-ChildItem (Join-Path $ModuleDirectory deps) -Filter *.dll).Name | Should -Contain 'OpsRunbook.Engine.dll'
        (Get-ChildItem (Join-Path $ModuleDirectory deps) -Filter *.dll).Name | Should -Contain 'Npgsql.dll'
        (Get-ChildItem (Join-Path $ModuleDirectory deps) -Filter *.dll).Name | Should -Contain 'StackExchange.Redis.dll'
        (Get-ChildItem (Join-Path $ModuleDirectory deps) -Filter *.dll).Name | Should -Contain 'Docker.DotNet.dll'
        Join-Path $ModuleDirectory 'OpsRunbook.format.ps1xml' | Should -Exist
        Join-Path $ModuleDirectory 'LICENSE' | Should -Exist
    }
}

Describe 'Dependency isolation' {
    It 'loads nothing of the engine on import, and loads it in its own context on first use' {
        $bed = Get-TestBed
        $output = Invoke-NewPwsh -Environment @{ PGPASSWORD = $bed.PASSWORD } -Command @"
Import-Module '$ManifestPath'
`$names = { [AppDomain]::CurrentDomain.GetAssemblies().GetName().Name }
'after-import:' + ((& `$names) -contains 'OpsRunbook.Engine') + ',' + ((& `$names) -contains 'Npgsql')
`$null = Get-ServiceHealth -ConnectionString '$($bed.PostgresUri)'
foreach (`$a in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'OpsRunbook.Engine', 'OpsRunbook.Model', 'Npgsql', 'System.Diagnostics.DiagnosticSource' }) {
    'context:' + `$a.GetName().Name + '=' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$a).Name
}
"@
        $output | Should -Contain 'after-import:False,False'
        $output | Should -Contain 'context:OpsRunbook.Engine=OpsRunbook'
        $output | Should -Contain 'context:Npgsql=OpsRunbook'
        $output | Should -Contain 'context:OpsRunbook.Model=Default'
    }

    It 'works beside an older Npgsql that the session loaded first' {
        $bed = Get-TestBed
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $oldNpgsql = Join-Path $packages 'npgsql/8.0.3/lib/net8.0/Npgsql.dll'
        $oldNpgsql | Should -Exist -Because 'tests/tools/tools.csproj downloads Npgsql 8.0.3 for this test'
        $output = Invoke-NewPwsh -Environment @{ PGPASSWORD = $bed.PASSWORD } -Command @"
Add-Type -Path '$oldNpgsql'
Import-Module '$ManifestPath'
`$health = Get-ServiceHealth -ConnectionString '$($bed.PostgresUri)'
'status:' + `$health.Status
'session-npgsql:' + [Npgsql.NpgsqlConnection].Assembly.GetName().Version
'engine-npgsql:' + (([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Npgsql' -and [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name -eq 'OpsRunbook' }).GetName().Version)
"@
        $output | Should -Contain 'status:Healthy'
        $output | Should -Contain 'session-npgsql:8.0.3.0'
        ($output | Where-Object { $_ -like 'engine-npgsql:10.*' }) | Should -Not -BeNullOrEmpty
    }

    It 'lets scripts name its result types' {
        Import-BuiltModule
        [OpsRunbook.ServiceHealth].Assembly.GetName().Name | Should -Be 'OpsRunbook.Model'
        [OpsRunbook.HealthStatus]::Degraded | Should -Be 'Degraded'
        $bed = Get-TestBed
        $result = Get-ServiceHealth -Uri "$($bed.HTTP_URL)/health"
        $result | Should -BeOfType ([OpsRunbook.ServiceHealth])
        $result -is [OpsRunbook.ServiceHealth] | Should -BeTrue
        & { param([OpsRunbook.ServiceHealth]$Health) $Health.Name } $result | Should -Be $result.Name
    }
}
