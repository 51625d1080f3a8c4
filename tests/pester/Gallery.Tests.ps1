BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDirectory = Split-Path (Get-BuiltModulePath)
    $script:Bed = Get-TestBed
}

Describe 'Installing from a gallery' {
    It 'installs the package build.ps1 -Task Package makes with <Installer>, imports by name, shows help, runs, and <Uninstall> leaves no trace' -ForEach @(
        @{ Installer = 'Install-PSResource'; Install = 'Register-PSResourceRepository -Name OrbLocal -Uri $repo -Trusted; Install-PSResource -Name OpsRunbook -Repository OrbLocal -TrustRepository -Scope CurrentUser'
            Uninstall = 'Uninstall-PSResource -Name OpsRunbook -Scope CurrentUser' }
        # PSResourceGet 1.2 does not recognise what PowerShellGet 2 installed from a folder repository (it reads no
        # version from the PSGetModuleInfo.xml), so that install is removed by its own Uninstall-Module.
        @{ Installer = 'Install-Module'; Install = 'Register-PSRepository -Name OrbLocalV2 -SourceLocation $repo -InstallationPolicy Trusted; Install-Module -Name OpsRunbook -Repository OrbLocalV2 -Scope CurrentUser'
            Uninstall = 'Uninstall-Module -Name OpsRunbook' }
    ) {
        # A home of its own: repository registrations and the CurrentUser module path start empty and stay here.
        $homeDir = Join-Path $TestDrive "home-$Installer"
        $repo = Join-Path $TestDrive "repo-$Installer"
        $null = New-Item -ItemType Directory $homeDir, $repo
        $modules = Join-Path $homeDir '.local/share/powershell/Modules'
        $environment = @{ HOME = $homeDir; PSModulePath = $modules; XDG_DATA_HOME = (Join-Path $homeDir '.local/share'); XDG_CONFIG_HOME = (Join-Path $homeDir '.config'); XDG_CACHE_HOME = (Join-Path $homeDir '.cache') }
        # .NET answers "" for a special folder that does not exist, and PSResourceGet would then write into the working folder.
        $null = New-Item -ItemType Directory -Force $environment.XDG_DATA_HOME, $environment.XDG_CONFIG_HOME, $environment.XDG_CACHE_HOME, $modules

        Invoke-NewPwsh -Environment $environment -WorkingDirectory $homeDir -Command @"
`$ErrorActionPreference = 'Stop'
`$repo = '$repo'
`$null = & '$(Get-RepositoryRoot)/tools/Publish-ModulePackage.ps1' -ModuleDirectory '$ModuleDirectory' -Destination `$repo
$Install
"@ | Out-Null
        (Get-ChildItem $repo -Filter 'OpsRunbook.*.nupkg').Count | Should -Be 1
        Join-Path $modules 'OpsRunbook' | Should -Exist

        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $homeDir -Command @"
`$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
'loaded-from:' + (Get-Module OpsRunbook).ModuleBase
`$examples = Get-Help Get-ServiceHealth -Examples
'help-examples:' + @(`$examples.examples.example).Count
'help-first-code:' + @(`$examples.examples.example)[0].code
`$health = Get-ServiceHealth -Uri '$($Bed.HTTP_URL)/health/ready'
'status:' + `$health.Status + ':' + (`$health.Components.Name -join ',')
"@
        ($output | Where-Object { $_ -like 'loaded-from:*' }) | Should -BeLike "loaded-from:$modules/OpsRunbook*"
        [int](($output | Where-Object { $_ -like 'help-examples:*' }) -replace '\D') | Should -BeGreaterOrEqual 2
        ($output | Where-Object { $_ -like 'help-first-code:*' }) | Should -BeLike 'help-first-code:*Get-ServiceHealth*'
        $output | Should -Contain 'status:Healthy:postgresql,redis'

        Invoke-NewPwsh -Environment $environment -WorkingDirectory $homeDir -Command @"
`$ErrorActionPreference = 'Stop'
$Uninstall
"@ | Out-Null
        @(Get-ChildItem $modules -Force) | Should -BeNullOrEmpty -Because 'uninstalling leaves nothing in the module path'
        @(Get-ChildItem $homeDir -Recurse -File -Force | Where-Object Name -like '*OpsRunbook*') | Should -BeNullOrEmpty -Because 'no copy of the module stays anywhere in the home folder'
    }
}
