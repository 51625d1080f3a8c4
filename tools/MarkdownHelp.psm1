# Reads docs pages in platyPS's markdown schema and writes MAML, the XML help Get-Help reads for binary cmdlets.
Set-StrictMode -Version Latest

$script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
$script:Ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Get-HelpParameterName([System.Management.Automation.CommandInfo]$Command) {
    $Command.Parameters.Keys | Where-Object { $_ -notin $script:Common } | Sort-Object
}

function Get-Section([string]$Text, [string]$Name) {
    $match = [regex]::Match($Text, "(?ms)^## $Name\s*$\r?\n(?<body>.*?)(?=^## |\z)")
    if ($match.Success) { $match.Groups['body'].Value.Trim() } else { '' }
}

function Read-MarkdownHelp {
    <# The parts of a page: synopsis, description, examples (title, code, remarks), parameters (description, default), inputs, outputs, notes, links. #>
    param([Parameter(Mandatory)][string]$Path)
    $text = (Get-Content $Path -Raw) -replace '<!--.*?-->', ''
    $parameters = [ordered]@{}
    foreach ($match in [regex]::Matches((Get-Section $text 'PARAMETERS'), '(?ms)^### -(?<name>\w+)\s*$\r?\n(?<body>.*?)(?=^### |\z)')) {
        $body = $match.Groups['body'].Value
        $yaml = [regex]::Match($body, '(?ms)```yaml\r?\n(?<yaml>.*?)```').Groups['yaml'].Value
        $default = [regex]::Match($yaml, '(?m)^Default value:\s*(?<v>.*)$').Groups['v'].Value.Trim()
        $parameters[$match.Groups['name'].Value] = [pscustomobject]@{
            Description = ($body -replace '(?ms)```yaml.*?```', '').Trim()
            Default     = if ($default) { $default } else { 'None' }
        }
    }
    $examples = foreach ($match in [regex]::Matches((Get-Section $text 'EXAMPLES'), '(?ms)^### (?<title>[^\r\n]+)\r?\n+```powershell\r?\n(?<code>.*?)```\s*(?<remarks>.*?)(?=^### |\z)')) {
        [pscustomobject]@{ Title = $match.Groups['title'].Value.Trim(); Code = $match.Groups['code'].Value.TrimEnd(); Remarks = $match.Groups['remarks'].Value.Trim() }
    }
    $typed = {
        param($section)
        foreach ($match in [regex]::Matches($section, '(?ms)^### (?<type>[^\r\n]+)\r?\n(?<body>.*?)(?=^### |\z)')) {
            [pscustomobject]@{ Type = $match.Groups['type'].Value.Trim(); Description = $match.Groups['body'].Value.Trim() }
        }
    }
    [pscustomobject]@{
        Synopsis    = Get-Section $text 'SYNOPSIS'
        Description = Get-Section $text 'DESCRIPTION'
        Examples    = @($examples)
        Parameters  = $parameters
        Inputs      = @(& $typed (Get-Section $text 'INPUTS'))
        Outputs     = @(& $typed (Get-Section $text 'OUTPUTS'))
        Notes       = Get-Section $text 'NOTES'
        Links       = @([regex]::Matches((Get-Section $text 'RELATED LINKS'), '\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)') | ForEach-Object { $_.Groups['text'].Value })
    }
}

function ConvertTo-Paragraph([System.Xml.XmlWriter]$Writer, [string]$Text) {
    # Blank lines separate paragraphs; list items stay items; lines of a paragraph join.
    foreach ($block in [regex]::Split($Text.Trim(), '\r?\n\s*\r?\n')) {
        $lines = $block -split '\r?\n'
        $paragraphs = [System.Collections.Generic.List[string]]::new()
        foreach ($line in $lines) {
            if ($line -match '^\s*[-*] ' -or $paragraphs.Count -eq 0) { $paragraphs.Add($line.Trim()) }
            else { $paragraphs[$paragraphs.Count - 1] += ' ' + $line.Trim() }
        }
        foreach ($paragraph in $paragraphs | Where-Object { $_ }) { $Writer.WriteElementString('maml', 'para', $script:Ns['maml'], $paragraph) }
    }
}

function Write-Parameter([System.Xml.XmlWriter]$Writer, $Parameter, [string]$SetName, $Doc) {
    $attributes = @($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and (-not $SetName -or $_.ParameterSetName -in $SetName, '__AllParameterSets') })
    $required = [bool]($attributes | Where-Object Mandatory)
    $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
    $pipeline = @()
    if ($attributes | Where-Object ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    if ($attributes | Where-Object ValueFromPipeline) { $pipeline += 'ByValue' }
    $isSwitch = $Parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $typeName = if ($isSwitch) { 'SwitchParameter' } else { $Parameter.ParameterType.Name }
    $Writer.WriteStartElement('command', 'parameter', $script:Ns['command'])
    $Writer.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', 'false')
    $Writer.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $Writer.WriteAttributeString('position', $(if ($positions) { [string]$positions[0] } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $script:Ns['maml'], $Parameter.Name)
    $Writer.WriteStartElement('maml', 'description', $script:Ns['maml'])
    ConvertTo-Paragraph $Writer $Doc.Parameters[$Parameter.Name].Description
    $Writer.WriteEndElement()
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $script:Ns['command'])
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($typeName)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $script:Ns['dev'])
    $Writer.WriteElementString('maml', 'name', $script:Ns['maml'], $typeName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $script:Ns['dev'], $Doc.Parameters[$Parameter.Name].Default)
    $Writer.WriteEndElement()
}

function ConvertTo-Maml {
    <# MAML for the given commands, each a { Command = CommandInfo; Doc = Read-MarkdownHelp } #>
    param([Parameter(Mandatory)][object[]]$Command)
    $buffer = [System.IO.StringWriter]::new()
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($buffer, $settings)
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($item in $Command) {
        $info = $item.Command
        $doc = $item.Doc
        $writer.WriteStartElement('command', 'command', $script:Ns['command'])
        foreach ($prefix in 'maml', 'command', 'dev') { $writer.WriteAttributeString('xmlns', $prefix, $null, $script:Ns[$prefix]) }

        $writer.WriteStartElement('command', 'details', $script:Ns['command'])
        $writer.WriteElementString('command', 'name', $script:Ns['command'], $info.Name)
        $writer.WriteElementString('command', 'verb', $script:Ns['command'], $info.Verb)
        $writer.WriteElementString('command', 'noun', $script:Ns['command'], $info.Noun)
        $writer.WriteStartElement('maml', 'description', $script:Ns['maml']); ConvertTo-Paragraph $writer $doc.Synopsis; $writer.WriteEndElement()
        $writer.WriteEndElement()

        $writer.WriteStartElement('maml', 'description', $script:Ns['maml']); ConvertTo-Paragraph $writer $doc.Description; $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'syntax', $script:Ns['command'])
        foreach ($set in $info.ParameterSets) {
            $writer.WriteStartElement('command', 'syntaxItem', $script:Ns['command'])
            $writer.WriteElementString('maml', 'name', $script:Ns['maml'], $info.Name)
            foreach ($parameter in $set.Parameters | Where-Object { $_.Name -notin $script:Common }) {
                Write-Parameter $writer $info.Parameters[$parameter.Name] $set.Name $doc
            }
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'parameters', $script:Ns['command'])
        foreach ($name in Get-HelpParameterName $info) { Write-Parameter $writer $info.Parameters[$name] $null $doc }
        $writer.WriteEndElement()

        foreach ($kind in @(@{ List = 'inputTypes'; Item = 'inputType'; Items = $doc.Inputs }, @{ List = 'returnValues'; Item = 'returnValue'; Items = $doc.Outputs })) {
            $writer.WriteStartElement('command', $kind.List, $script:Ns['command'])
            foreach ($type in $kind.Items) {
                $writer.WriteStartElement('command', $kind.Item, $script:Ns['command'])
                $writer.WriteStartElement('dev', 'type', $script:Ns['dev']); $writer.WriteElementString('maml', 'name', $script:Ns['maml'], $type.Type); $writer.WriteEndElement()
                $writer.WriteStartElement('maml', 'description', $script:Ns['maml']); ConvertTo-Paragraph $writer $type.Description; $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
        }

        $writer.WriteStartElement('maml', 'alertSet', $script:Ns['maml'])
        $writer.WriteStartElement('maml', 'alert', $script:Ns['maml']); ConvertTo-Paragraph $writer $doc.Notes; $writer.WriteEndElement()
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'examples', $script:Ns['command'])
        foreach ($example in $doc.Examples) {
            $writer.WriteStartElement('command', 'example', $script:Ns['command'])
            $writer.WriteElementString('maml', 'title', $script:Ns['maml'], "-------------------------- $($example.Title) --------------------------")
            $writer.WriteElementString('dev', 'code', $script:Ns['dev'], $example.Code)
            $writer.WriteStartElement('dev', 'remarks', $script:Ns['dev']); ConvertTo-Paragraph $writer $example.Remarks; $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()

        $writer.WriteStartElement('command', 'relatedLinks', $script:Ns['command'])
        foreach ($link in $doc.Links) {
            $writer.WriteStartElement('maml', 'navigationLink', $script:Ns['maml'])
            $writer.WriteElementString('maml', 'linkText', $script:Ns['maml'], $link)
            $writer.WriteElementString('maml', 'uri', $script:Ns['maml'], '')
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
    $writer.Flush()
    $buffer.ToString()
}

function ConvertTo-AboutText {
    <# An about_ topic: the markdown's headings become plain upper-case lines, its fences go, its text stays. #>
    param([Parameter(Mandatory)][string]$Path)
    $lines = foreach ($line in Get-Content $Path) {
        if ($line -match '^```') { continue }
        if ($line -match '^#+\s+(.*)$') { $Matches[1].ToUpperInvariant(); continue }
        $line
    }
    $lines -join "`n"
}

Export-ModuleMember -Function Read-MarkdownHelp, ConvertTo-Maml, ConvertTo-AboutText, Get-HelpParameterName
