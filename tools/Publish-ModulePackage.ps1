<#
.SYNOPSIS
Writes the module's .nupkg, the file Publish-PSResource uploads to a gallery, into a folder repository.
.DESCRIPTION
Used by build.ps1 -Task Package and by the gallery test, so the package a user installs is the one tested.
A temporary repository registration points Publish-PSResource at the folder and is removed afterwards.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)][string]$ModuleDirectory,
    [Parameter(Mandatory)][string]$Destination
)

$ErrorActionPreference = 'Stop'
$null = New-Item -ItemType Directory -Force $Destination
# PSResourceGet and NuGet keep their settings in these folders; .NET reports a missing one as "" and they
# would then write into the current folder.
foreach ($folder in 'ApplicationData', 'LocalApplicationData') {
    $null = [Environment]::GetFolderPath($folder, [Environment+SpecialFolderOption]::Create)
}
$name = 'OpsRunbookPackage' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $name -Uri (Resolve-Path $Destination).Path -Trusted
try { Publish-PSResource -Path $ModuleDirectory -Repository $name -SkipDependenciesCheck }
finally { Unregister-PSResourceRepository -Name $name }
$version = (Import-PowerShellDataFile (Join-Path $ModuleDirectory 'OpsRunbook.psd1')).ModuleVersion
Get-Item (Join-Path $Destination "OpsRunbook.$version.nupkg")
