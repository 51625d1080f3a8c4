BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Cmdlets = (Import-PowerShellDataFile (Join-Path $root 'OpsRunbook.psd1')).CmdletsToExport | ForEach-Object { @{ Cmdlet = $_ } }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:Root = Get-RepositoryRoot
}

Describe 'Get-Help <Cmdlet> -Full' -ForEach $Cmdlets {
    BeforeAll {
        $script:Help = Get-Help $Cmdlet -Full
        $script:Command = Get-Command $Cmdlet
    }

    It 'has a synopsis and a description from its page, not the generated syntax' {
        $Help.Synopsis | Should -Not -BeNullOrEmpty
        $Help.Synopsis | Should -Not -Match "^\s*$Cmdlet\s"
        ($Help.description.Text -join "`n") | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter of the compiled cmdlet, each with a description, and no other' {
        $compiled = $Command.Parameters.Keys | Where-Object { $_ -notin $Common } | Sort-Object
        $documented = @($Help.parameters.parameter) | Where-Object { $_.name -notin $Common }
        ($documented.name | Sort-Object) | Should -Be $compiled
        foreach ($parameter in $documented) {
            ($parameter.description.Text -join '') | Should -Not -BeNullOrEmpty -Because "-$($parameter.name) needs a description"
        }
    }

    It 'shows the real parameter facts: mandatory, pipeline input and aliases' {
        foreach ($parameter in @($Help.parameters.parameter)) {
            $real = $Command.Parameters[$parameter.name]
            $mandatory = [bool]($real.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory })
            $parameter.required | Should -Be $mandatory.ToString().ToLowerInvariant() -Because "-$($parameter.name)"
            $aliases = if ($real.Aliases.Count) { $real.Aliases -join ', ' } else { 'none' }
            $parameter.aliases | Should -Be $aliases -Because "-$($parameter.name)"
            $byPipeline = [bool]($real.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) })
            $parameter.pipelineInput -like 'True*' | Should -Be $byPipeline -Because "-$($parameter.name)"
        }
    }

    It 'has at least two examples with code and remarks' {
        @($Help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $Help.examples.example) {
            $example.code | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '') | Should -Not -BeNullOrEmpty
            ($example.remarks.Text -join '') | Should -Not -Match '<!--'
        }
    }

    It 'names its output type' {
        @($Help.returnValues.returnValue).Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'About topics and the help build' {
    It 'has about_OpsRunbook, about_OpsRunbook_Runbooks and about_OpsRunbook_Errors' {
        (Get-Help about_OpsRunbook | Out-String) | Should -Match 'INVENTORY FILES'
        (Get-Help about_OpsRunbook | Out-String) | Should -Match 'DATA SAFETY'
        (Get-Help about_OpsRunbook_Runbooks | Out-String) | Should -Match 'PORTFOLIO ADVISOR'
        $errors = Get-Help about_OpsRunbook_Errors | Out-String
        $errors | Should -Match 'RestoreInProgress \(ResourceUnavailable\)'
        $errors | Should -Match 'To do: Wait for it to finish'
    }

    It 'fails when a page drifts from its cmdlet, naming the cmdlet and the parameter' {
        $docs = Join-Path $TestDrive 'docs'
        Copy-Item (Join-Path $Root 'docs') $docs -Recurse
        $page = Join-Path $docs 'Get-ServiceHealth.md'
        (Get-Content $page -Raw).Replace('### -ThrottleLimit', '### -ThrottleLimits') | Set-Content $page
        $modules = Join-Path $TestDrive 'module'
        Copy-Item (Split-Path (Get-BuiltModulePath)) $modules -Recurse
        $output = try { Invoke-NewPwsh -Command "& '$Root/tools/New-ExternalHelp.ps1' -ModuleDirectory '$modules' -DocsDirectory '$docs'" } catch { $_.Exception.Message }
        ($output -join "`n") | Should -Match 'Get-ServiceHealth has -ThrottleLimit, which docs/Get-ServiceHealth.md does not document'
        ($output -join "`n") | Should -Match 'docs/Get-ServiceHealth.md documents -ThrottleLimits, which Get-ServiceHealth does not have'
    }
}

Describe 'The module''s public surface' {
    It 'uses no dependency type in a cmdlet parameter or output type' {
        $allowed = 'System.Private.CoreLib', 'System.Runtime', 'System.Management.Automation', 'OpsRunbook.Model', 'System.Collections', 'System.Net.Primitives'
        foreach ($command in Get-Command -Module OpsRunbook) {
            foreach ($parameter in $command.Parameters.Values) {
                $type = $parameter.ParameterType
                while ($type.HasElementType) { $type = $type.GetElementType() }
                if ($type.IsGenericType) { $type = $type.GetGenericArguments()[0] }
                $type.Assembly.GetName().Name | Should -BeIn $allowed -Because "$($command.Name) -$($parameter.Name) is a $($type.FullName)"
            }
            foreach ($output in $command.OutputType) {
                $output.Type.Assembly.GetName().Name | Should -BeIn $allowed -Because "$($command.Name) writes $($output.Name)"
            }
        }
    }

    It 'leaves a second module''s newer Npgsql, loaded after it, undisturbed' {
        $bed = Get-TestBed
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
        $npgsql = Get-ChildItem (Join-Path $packages 'npgsql/10.*/lib/net8.0/Npgsql.dll') | Select-Object -First 1
        $npgsql | Should -Not -BeNullOrEmpty -Because 'the build restores Npgsql 10 for the engine'
        $output = Invoke-NewPwsh -Environment @{ PGPASSWORD = $bed.PASSWORD } -Command @"
Import-Module '$(Get-BuiltModulePath)'
'first:' + (Get-ServiceHealth -Uri '$($bed.PostgresUri)').Status
Add-Type -Path '$($npgsql.FullName)'
`$builder = [Npgsql.NpgsqlConnectionStringBuilder]::new('Host=127.0.0.1;Port=$($bed.PG_PORT)')
'other-module-npgsql:' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([Npgsql.NpgsqlConnectionStringBuilder].Assembly).Name + ':' + `$builder.Port
'again:' + (Get-ServiceHealth -Uri '$($bed.PostgresUri)').Status
"@
        $output | Should -Contain 'first:Healthy'
        $output | Should -Contain "other-module-npgsql:Default:$($bed.PG_PORT)"
        $output | Should -Contain 'again:Healthy'
    }
}
