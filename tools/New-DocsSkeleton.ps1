<#
.SYNOPSIS
Writes docs/<Cmdlet>.md in the platyPS schema for every exported cmdlet that has no page yet: syntax of
every parameter set and a YAML block per parameter from the compiled cmdlet, placeholders for the prose.
#>
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
Import-Module (Join-Path $root 'out/OpsRunbook/OpsRunbook.psd1')
Import-Module (Join-Path $PSScriptRoot 'DocsSkeleton.psm1')
foreach ($command in Get-Command -Module OpsRunbook) {
    $page = Join-Path $root "docs/$($command.Name).md"
    if (Test-Path $page) { continue }
    $lines = @(
        '---', 'external help file: OpsRunbook.dll-Help.xml', 'Module Name: OpsRunbook', 'online version:', 'schema: 2.0.0', '---', ''
        "# $($command.Name)", '', '## SYNOPSIS', '{{ One line: what it does. }}', '', '## SYNTAX', ''
        Get-DocsSyntax $command
        '## DESCRIPTION', '{{ What it replaces in the runbooks, how it behaves, what it writes. }}', '', '## EXAMPLES', ''
        '### Example 1: {{ Title }}', '```powershell', "$($command.Name)", '```', '', '{{ What it does and shows. }}', ''
        '### Example 2: {{ Title }}', '```powershell', "$($command.Name)", '```', '', '{{ What it does and shows. }}', ''
        '## PARAMETERS', ''
    )
    foreach ($name in Get-DocsParameterName $command) {
        $lines += @("### -$name", '{{ What it means. }}', '')
        $lines += Get-DocsParameterBlock $command $name
        $lines += ''
    }
    $lines += @(
        '### CommonParameters'
        'This cmdlet supports the common parameters: -Debug, -ErrorAction, -ErrorVariable, -InformationAction,'
        '-InformationVariable, -OutVariable, -OutBuffer, -PipelineVariable, -ProgressAction, -Verbose, -WarningAction,'
        'and -WarningVariable. For more information, see about_CommonParameters.', ''
        '## INPUTS', '', '### None', '', '## OUTPUTS', ''
    )
    $lines += ($command.OutputType.Name | ForEach-Object { "### $_"; '' })
    $lines += @('## NOTES', '', '## RELATED LINKS', '')
    $lines | Set-Content $page
    Write-Host "Wrote $page"
}
