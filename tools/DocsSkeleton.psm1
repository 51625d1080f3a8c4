# Writes the platyPS-schema parts of a cmdlet page that come from its compiled metadata: syntax
# per parameter set and the YAML block of each parameter. Used by build.ps1 -Task Docs for new pages.
Set-StrictMode -Version Latest

$script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

function Get-DocsSyntax([System.Management.Automation.CommandInfo]$Command) {
    foreach ($set in $Command.ParameterSets | Sort-Object { -not $_.IsDefault }) {
        $label = if ($set.IsDefault) { "$($set.Name) (Default)" } else { $set.Name }
        "### $label"
        ''
        '```'
        "$($Command.Name) $($set.ToString())"
        '```'
        ''
    }
}

function Get-DocsParameterBlock([System.Management.Automation.CommandInfo]$Command, [string]$Name) {
    $parameter = $Command.Parameters[$Name]
    $sets = $parameter.ParameterSets.Keys | Sort-Object
    $setText = if ($sets -contains '__AllParameterSets') { '(All)' } else { $sets -join ', ' }
    $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
    $required = ($attributes | Where-Object Mandatory | Select-Object -First 1) -ne $null
    $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
    $pipeline = @()
    if ($attributes | Where-Object ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    if ($attributes | Where-Object ValueFromPipeline) { $pipeline += 'ByValue' }
    $type = $parameter.ParameterType
    $typeName = if ($type -eq [System.Management.Automation.SwitchParameter]) { 'SwitchParameter' } else { $type.Name }
    '```yaml'
    "Type: $typeName"
    "Parameter Sets: $setText"
    "Aliases: $(if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' })".TrimEnd()
    ''
    "Required: $(if ($required) { 'True' } else { 'False' })"
    "Position: $(if ($positions.Count) { $positions -join ', ' } else { 'Named' })"
    'Default value: None'
    "Accept pipeline input: $(if ($pipeline.Count) { "True ($($pipeline -join ', '))" } else { 'False' })"
    'Accept wildcard characters: False'
    '```'
}

function Get-DocsParameterName([System.Management.Automation.CommandInfo]$Command) {
    $Command.Parameters.Keys | Where-Object { $_ -notin $script:Common } | Sort-Object
}

Export-ModuleMember -Function Get-DocsSyntax, Get-DocsParameterBlock, Get-DocsParameterName
