BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:ModuleDirectory = Split-Path (Get-BuiltModulePath)
    $script:Bed = Get-TestBed
}

Describe 'Installing from a gallery' {
    It 'publishes with Publish-PSResource, installs with <Installer> into a clean module path, imports by name and runs' -ForEach @(
        @{ Installer = 'Install-PSResource'; Install = 'Install-PSResource -Name OpsRunbook -Repository OrbLocal -TrustRepository -Scope CurrentUser' }
        @{ Installer = 'Install-Module'; Install = 'Register-PSRepository -Name OrbLocalV2 -SourceLocation $repo -InstallationPolicy Trusted; Install-Module -Name OpsRunbook -Repository OrbLocalV2 -Scope CurrentUser' }
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
Register-PSResourceRepository -Name OrbLocal -Uri `$repo -Trusted
Publish-PSResource -Path '$ModuleDirectory' -Repository OrbLocal
$Install
"@ | Out-Null
        (Get-ChildItem $repo -Filter 'OpsRunbook.*.nupkg').Count | Should -Be 1
        Join-Path $modules 'OpsRunbook' | Should -Exist

        $output = Invoke-NewPwsh -Environment $environment -WorkingDirectory $homeDir -Command @"
`$ErrorActionPreference = 'Stop'
Import-Module OpsRunbook
'loaded-from:' + (Get-Module OpsRunbook).ModuleBase
`$health = Get-ServiceHealth -Uri '$($Bed.HTTP_URL)/health/ready'
'status:' + `$health.Status + ':' + (`$health.Components.Name -join ',')
"@
        ($output | Where-Object { $_ -like 'loaded-from:*' }) | Should -BeLike "loaded-from:$modules/OpsRunbook*"
        $output | Should -Contain 'status:Healthy:postgresql,redis'
    }
}
