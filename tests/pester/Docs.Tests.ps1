BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $manifest = Import-PowerShellDataFile (Join-Path $root 'OpsRunbook.psd1')
    $script:Cmdlets = $manifest.CmdletsToExport | ForEach-Object { @{ Cmdlet = $_; Page = Join-Path $root "docs/$_.md" } }
}

AfterAll {
    Stop-ExampleWorkerSession
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
}

Describe 'docs/<Cmdlet>.md' -ForEach $Cmdlets {
    BeforeAll {
        $script:Text = if (Test-Path $Page) { Get-Content $Page -Raw } else { '' }
        $script:Examples = if (Test-Path $Page) { @(Get-DocExample $Page) } else { @() }
    }

    It 'exists in the platyPS schema with a synopsis, description, inputs and outputs' {
        $Page | Should -Exist
        foreach ($section in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS') {
            $Text | Should -Match "(?m)^## $section\s*$"
        }
        $Text | Should -Match "(?m)^# $Cmdlet\s*$"
        $Text | Should -Match 'schema: 2\.0\.0'
    }

    It 'documents every parameter of the compiled cmdlet, and none that it does not have' {
        $actual = (Get-Command $Cmdlet).Parameters.Keys | Where-Object { $_ -notin $Common } | Sort-Object
        $documented = [regex]::Matches($Text, '(?m)^### -(\w+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object
        $documented | Should -Be $actual
    }

    It 'shows the syntax of every parameter set' {
        foreach ($set in (Get-Command $Cmdlet).ParameterSets) {
            $Text | Should -Match ([regex]::Escape("$Cmdlet $($set.ToString())"))
        }
    }

    It 'has at least two examples' {
        $Examples.Count | Should -BeGreaterOrEqual 2
    }

    It 'says what each example writes' {
        foreach ($example in $Examples) {
            $example.Output | Should -Not -BeNullOrEmpty -Because "$($example.Title) needs an <!-- output: type|text|none --> note"
        }
    }

    It 'runs every example against the test services without error, writing what its text says' {
        $work = Join-Path $TestDrive $Cmdlet
        $environment = Initialize-ExampleDirectory -Path $work
        foreach ($example in $Examples) {
            Push-Location $work
            try {
                Initialize-ExampleStack
                $Error.Clear()
                $objects = @(Use-Environment $environment { & ([scriptblock]::Create(($example.Code | ConvertTo-TestBedAddress))) 6>&1 })
                $output = $objects | Out-String -Width 250
                $output | Save-TestArtifact -Name "docs-$Cmdlet.txt"
                $Error.Count | Should -Be 0 -Because "$($example.Title) should run cleanly: $($Error | Out-String)"
                Test-ExampleOutput -Output $objects -Expected $example.Output | Should -BeTrue -Because "$($example.Title) should write $($example.Output); it wrote: $(($objects | ForEach-Object { $_.PSObject.TypeNames[0] } | Sort-Object -Unique) -join ', ')"
                $output.Contains((Get-TestBed).PASSWORD) | Should -BeFalse -Because 'no output may hold the password'
            }
            finally {
                Pop-Location
                # An example that opened an incident (or chose one) made it current: the next example starts with none.
                Set-IncidentContext -Clear
            }
        }
    }
}
