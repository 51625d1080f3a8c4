<#
.SYNOPSIS
Turns docs/<Cmdlet>.md (platyPS markdown schema) into en-US/OpsRunbook.dll-Help.xml (MAML), and docs/about_*.md into
en-US/about_*.help.txt, beside the built module. Run by the build after the module is assembled.

.DESCRIPTION
Syntax and the facts of each parameter (type, required, position, pipeline input, aliases) come from the compiled
cmdlet; descriptions, defaults, examples, inputs, outputs, notes and links from the page. A page whose parameters
differ from the cmdlet's, or an exported cmdlet without a page, fails with the cmdlet and parameter named.
#>
param(
    [string]$ModuleDirectory = (Join-Path (Split-Path $PSScriptRoot) 'out/OpsRunbook'),
    [string]$DocsDirectory = (Join-Path (Split-Path $PSScriptRoot) 'docs')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $ModuleDirectory 'OpsRunbook.psd1')
Import-Module (Join-Path $PSScriptRoot 'MarkdownHelp.psm1')

$problems = [System.Collections.Generic.List[string]]::new()
$commands = foreach ($command in Get-Command -Module OpsRunbook | Sort-Object Name) {
    $page = Join-Path $DocsDirectory "$($command.Name).md"
    if (-not (Test-Path $page)) {
        $problems.Add("$($command.Name) has no docs page $page (dotnet pwsh ./build.ps1 -Task Docs writes a skeleton).")
        continue
    }
    $doc = Read-MarkdownHelp -Path $page
    $compiled = @(Get-HelpParameterName $command)
    foreach ($name in $compiled | Where-Object { $_ -notin $doc.Parameters.Keys }) { $problems.Add("$($command.Name) has -$name, which docs/$($command.Name).md does not document.") }
    foreach ($name in $doc.Parameters.Keys | Where-Object { $_ -notin $compiled }) { $problems.Add("docs/$($command.Name).md documents -$name, which $($command.Name) does not have.") }
    [pscustomobject]@{ Command = $command; Doc = $doc }
}
if ($problems.Count) {
    $problems | ForEach-Object { Write-Host "error: $_" }
    throw "The docs do not match the cmdlets ($($problems.Count) problems above)."
}

$help = Join-Path $ModuleDirectory 'en-US'
$null = New-Item -ItemType Directory -Force $help
ConvertTo-Maml -Command $commands | Set-Content -Path (Join-Path $help 'OpsRunbook.dll-Help.xml') -Encoding utf8
foreach ($about in Get-ChildItem $DocsDirectory -Filter 'about_*.md') {
    ConvertTo-AboutText -Path $about.FullName | Set-Content -Path (Join-Path $help "$($about.BaseName).help.txt") -Encoding utf8
}
Write-Host "Help for $(@($commands).Count) cmdlets -> $help"
