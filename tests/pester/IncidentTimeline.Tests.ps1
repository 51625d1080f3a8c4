# Every action on the timeline: while an incident is current, each OpsRunbook command appends one Action entry with its
# parameters (secrets removed), what it found or changed, when it started and how long it took, and its error. Against
# the test bed's real services; the known password is planted in every place a secret can come from.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Password = $Bed.PASSWORD
    $script:Project = 'orbtl' + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Container = New-TestContainer -Project $Project -Service api
    $script:Switches = [System.Collections.Generic.List[string]]::new()

    function New-Store { Join-Path $TestDrive ('incidents-' + [guid]::NewGuid().ToString('N').Substring(0, 8)) }

    # Every file of a store, and a report, as text: where the password must not be.
    function Get-StoreText([string]$Store) { (Get-ChildItem $Store -Recurse -File | ForEach-Object { Get-Content $_.FullName -Raw }) -join "`n" }

    function Get-Action([string]$Id, [string]$Store) { @((Get-Incident -Id $Id -Store $Store).Actions) }
}

AfterAll {
    foreach ($switch in $Switches) { $null = Invoke-RestMethod -Method Post "$Http/switch/$switch/up" }
    Remove-TestProject $Project
}

Describe 'Every OpsRunbook command on the current incident''s timeline' {
    AfterEach {
        Set-IncidentContext -Clear
    }

    It 'records one entry per command: parameters without secrets, what it found or changed, when and how long, and its error' {
        $store = New-Store
        $switch = 'tl-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $Switches.Add($switch)
        $credential = [pscredential]::new($Bed.PG_USER, (ConvertTo-SecureString $Password -AsPlainText -Force))
        $encoded = [uri]::EscapeDataString($Password)

        $incident = Start-IncidentResponse -Store $store -Title 'api readiness failing' -Severity P1
        (Get-Incident -Current).Id | Should -Be $incident.Id

        # What the block measured comes back as its output: Use-Environment runs it in a scope of its own.
        $seen = Use-Environment @{ DOCKER_HOST = $Bed.DOCKER_HOST; DRILL_API_TOKEN = $Password } {
            # A probe with the password in its connection string, one with a credential.
            $before1 = [datetimeoffset]::UtcNow
            $health = @(Get-ServiceHealth -Uri "postgres://$($Bed.PG_USER):$encoded@$($Bed.PG_HOST):$($Bed.PG_PORT)/$($Bed.PG_DATABASE)", "$Http/health/ready?status=503" -Name db, api)
            $after1 = [datetimeoffset]::UtcNow
            $null = Get-ServiceHealth -Uri $Bed.PostgresUri -Credential $credential

            # A change, its output piped on.
            $restarted = Restart-ServiceContainer -Name $Container -Confirm:$false -PassThru

            # A wait of a known length: readiness comes back after 1.5 s.
            $null = Invoke-RestMethod -Method Post "$Http/switch/$switch/down?seconds=1.5"
            $waited = Measure-Command { $null = Wait-ServiceHealth -Uri "$Http/health/ready?switch=$switch" -TimeoutSec 20 }

            # A failure that goes on, and one that ends the command.
            Get-ServiceContainer -Name 'no-such-container' -ErrorAction SilentlyContinue
            { Search-ServiceLog -Path (Join-Path $TestDrive 'missing.log') -ErrorAction Stop } | Should -Throw
            # A secret in a plain parameter too: a log search for the token.
            $null = Search-ServiceLog -Path $Bed.APP_LOG -TraceId $env:DRILL_API_TOKEN
            @{ Before1 = $before1; After1 = $after1; Restarted = $restarted; Waited = $waited }
        }
        $before1, $after1, $restarted, $waited = $seen.Before1, $seen.After1, $seen.Restarted, $seen.Waited

        $actions = Get-Action $incident.Id $store
        $actions.Command | Should -Be @('Get-ServiceHealth', 'Get-ServiceHealth', 'Restart-ServiceContainer', 'Wait-ServiceHealth', 'Get-ServiceContainer', 'Search-ServiceLog', 'Search-ServiceLog')

        $actions[0].Parameters | Should -Be "-Uri postgres://$($Bed.PG_USER):[REDACTED]@$($Bed.PG_HOST):$($Bed.PG_PORT)/$($Bed.PG_DATABASE), $Http/health/ready?status=503 -Name db, api"
        $actions[0].Summary | Should -Match '^2 services: 1 Healthy, 1 Unhealthy \(api: HTTP 503'
        $actions[0].StartedAt | Should -BeGreaterOrEqual $before1.AddMilliseconds(-50)
        ($actions[0].StartedAt + $actions[0].Duration) | Should -BeLessOrEqual $after1.AddMilliseconds(50)
        $actions[0].Error | Should -BeNullOrEmpty
        $actions[1].Parameters | Should -Be "-Uri $($Bed.PostgresUri) -Credential <PSCredential $($Bed.PG_USER)>"
        $actions[2].Parameters | Should -Be "-Name $Container -Confirm:`$false -PassThru"
        $actions[2].Summary | Should -Be "1 container: 1 Running ($($restarted.ToString()))"
        $actions[3].Duration.TotalSeconds | Should -BeGreaterOrEqual 1.4
        $actions[3].Duration | Should -BeLessOrEqual $waited
        $actions[4].Error | Should -Match '^ContainerNotFound: '
        $actions[5].Error | Should -Match '^PathNotFound: '
        $actions[5].Summary | Should -Be 'failed'
        $actions[6].Parameters | Should -Match '-TraceId \[REDACTED\]'
        $actions | ForEach-Object { $_.Author | Should -Be "$([Environment]::UserName)@$([Environment]::MachineName)" }
        # In the order they started, one after another.
        for ($i = 1; $i -lt $actions.Count; $i++) { $actions[$i].StartedAt | Should -BeGreaterOrEqual ($actions[$i - 1].StartedAt + $actions[$i - 1].Duration) }

        # The post-mortem has them all, and neither it nor the store holds the password.
        $report = Export-IncidentReport -Id $incident.Id -Store $store
        $report | Should -Match '(?m)^## Actions taken$'
        $report | Should -Match '7 commands, 2 of them failed; times in UTC\.'
        foreach ($action in $actions) {
            $report | Should -Match ([regex]::Escape("| $($action.StartedAt.ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss.fff')) | $($action.Duration.TotalSeconds.ToString('0.000', [cultureinfo]::InvariantCulture)) s | ``$($action.Command)"))
        }
        $report | Save-TestArtifact -Name 'incident-timeline-report.md'
        foreach ($text in @($report, (Get-StoreText $store), ($actions | Format-Table | Out-String -Width 300))) {
            $text.Contains($Password) | Should -BeFalse
            $text.Contains($encoded) | Should -BeFalse
        }
    }

    It 'records nothing, and touches no store, when no incident is current or under -WhatIf' {
        $store = New-Store
        Use-Environment @{ OPSRUNBOOK_INCIDENT_STORE = $store; DOCKER_HOST = $Bed.DOCKER_HOST } {
            $warnings = @(& { $null = Get-ServiceHealth -Uri "$Http/health"; $null = Get-ServiceContainer -Project $Project } 3>&1)
            $warnings | Should -BeNullOrEmpty
            $store | Should -Not -Exist

            $incident = Start-IncidentResponse -Title 'whatif' -Severity P3
            Restart-ServiceContainer -Name $Container -WhatIf
            $null = Get-ServiceHealth -Uri "$Http/health"
            Get-Action $incident.Id $store | ForEach-Object Command | Should -Be @('Get-ServiceHealth')
        }
    }

    It 'says where the current incident is, and acts on it when no -Id is given; Close-Incident ends the recording' {
        $store = New-Store
        $incident = Start-IncidentResponse -Store $store -Title 'current' -Severity P2
        Add-IncidentNote 'looked at the api'
        $null = Set-IncidentStatus Identified -Note 'pool exhausted'
        $null = Get-ServiceHealth -Uri "$Http/health"
        $closed = Close-Incident -Resolution 'restarted' -RootCause 'leak'
        $closed.Id | Should -Be $incident.Id
        Get-Incident -Current | Should -BeNullOrEmpty
        $null = Get-ServiceHealth -Uri "$Http/health"

        $read = Get-Incident -Id $incident.Id -Store $store
        $read.Status | Should -Be 'Resolved'
        ($read.Timeline | Where-Object Kind -eq Note).Text | Should -Be 'looked at the api'
        $read.Actions.Command | Should -Be @('Get-ServiceHealth') -Because 'the incident cmdlets are the timeline; after Close-Incident nothing is recorded'
        (Export-IncidentReport -Store $store -Id $incident.Id) | Should -Match 'Ran Get-ServiceHealth'
        { Add-IncidentNote 'no incident' -ErrorAction Stop } | Should -Throw -ErrorId 'NoCurrentIncident,OpsRunbook.Incidents.AddIncidentNoteCommand'
    }

    It 'Set-IncidentContext goes back to an incident, over to another, and -Clear stops the recording' {
        $store = New-Store
        $PSDefaultParameterValues['*-Incident*:Store'] = $store
        try {
            $first = Start-IncidentResponse -Title 'first' -Severity P2
            $second = Start-IncidentResponse -Title 'second' -Severity P2
            (Get-Incident -Current).Id | Should -Be $second.Id

            $made = Set-IncidentContext $first.Id -PassThru
            $made.Id | Should -Be $first.Id
            $null = Get-ServiceHealth -Uri "$Http/health"
            $first | Set-IncidentContext -WhatIf
            $second | Set-IncidentContext
            $null = Get-ServiceHealth -Uri "$Http/health" -Name again
            Set-IncidentContext -Clear
            $null = Get-ServiceHealth -Uri "$Http/health"

            (Get-Incident -Id $first.Id).Actions.Count | Should -Be 1
            (Get-Incident -Id $second.Id).Actions.Parameters | Should -Be @("-Uri $Http/health -Name again")
        }
        finally { $PSDefaultParameterValues.Remove('*-Incident*:Store') }
    }

    It 'Set-IncidentContext refuses what cannot be made current, with a specific error' {
        $store = New-Store
        $resolved = Start-IncidentResponse -Store $store -Title 'done' -Severity P3 | Close-Incident -Store $store -Resolution r -RootCause c
        { Set-IncidentContext $resolved.Id -Store $store -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentAlreadyResolved,OpsRunbook.Incidents.SetIncidentContextCommand'
        { Set-IncidentContext 'INC-20000101-001' -Store $store -ErrorAction Stop } | Should -Throw -ErrorId 'IncidentNotFound,OpsRunbook.Incidents.SetIncidentContextCommand'
        { Set-IncidentContext '../etc' -Store $store -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidIncidentId,OpsRunbook.Incidents.SetIncidentContextCommand'
        { Set-IncidentContext -Id '' -Store $store -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,OpsRunbook.Incidents.SetIncidentContextCommand'
        Get-Incident -Current | Should -BeNullOrEmpty
    }

    It '-IncidentId and $PSDefaultParameterValues choose the incident without a current one, also in parallel runspaces' {
        $store = New-Store
        Use-Environment @{ OPSRUNBOOK_INCIDENT_STORE = $store } {
            $incident = Start-IncidentResponse -Title 'by id' -Severity P2
            Set-IncidentContext -Clear
            $null = Get-ServiceHealth -Uri "$Http/health" -IncidentId $incident.Id
            $PSDefaultParameterValues['*:IncidentId'] = $incident.Id
            try {
                $null = Get-ServiceHealth -Uri "$Http/health" -Name by-default
                Add-IncidentNote 'the note finds the incident through the default too'
            }
            finally { $PSDefaultParameterValues.Remove('*:IncidentId') }
            $id = $incident.Id
            1..2 | ForEach-Object -Parallel {
                Import-Module $using:PSScriptRoot/../../out/OpsRunbook/OpsRunbook.psd1
                $null = Get-ServiceHealth -Uri "$using:Http/health" -Name "parallel-$_"
                $null = Get-ServiceHealth -Uri "$using:Http/health" -Name "parallel-id-$_" -IncidentId $using:id
            } -ThrottleLimit 2

            $read = Get-Incident -Id $incident.Id
            $read.Actions.Parameters | Sort-Object | Should -Be (@("-Uri $Http/health", "-Uri $Http/health -Name by-default", "-Uri $Http/health -Name parallel-id-1", "-Uri $Http/health -Name parallel-id-2") | Sort-Object)
            ($read.Timeline | Where-Object Kind -eq Note).Text | Should -Be 'the note finds the incident through the default too'
        }
    }

    It 'warns, and does not fail the command, when the store cannot be written' {
        $store = New-Store
        $incident = Start-IncidentResponse -Store $store -Title 'store goes away' -Severity P2
        Remove-Item -Recurse -Force $store
        # The warning comes when the command is disposed, after its last output: 3>&1 (or the host) has it, -WarningVariable does not.
        $all = @(Get-ServiceHealth -Uri "$Http/health" -ErrorVariable failed 3>&1)
        $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] })
        $warned = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
        $output.Count | Should -Be 1
        $output[0].Status | Should -Be 'Healthy'
        $failed | Should -BeNullOrEmpty
        $warned.Count | Should -Be 1
        "$warned" | Should -Match "^Get-ServiceHealth ran, but could not be recorded on the timeline of $($incident.Id): "
    }

    It 'shows piped parameters as piped, and writes the actions as a table' {
        $store = New-Store
        $incident = Start-IncidentResponse -Store $store -Title 'piped' -Severity P2
        Use-Environment @{ DOCKER_HOST = $Bed.DOCKER_HOST } {
            $null = Get-ServiceContainer -Project $Project | Restart-ServiceContainer -Confirm:$false
        }
        $actions = Get-Action $incident.Id $store
        $actions[1].Command | Should -Be 'Restart-ServiceContainer'
        $actions[1].Parameters | Should -Match '^-Confirm:\$false -Name <piped String\[\]>$' -Because 'Get-ServiceContainer''s output binds -Name by property name'
        $table = $actions | Format-Table | Out-String -Width 250
        $table | Should -Match 'Started\s+Took\(s\)\s+Command\s+Result'
        $table | Should -Match 'Restart-ServiceContainer -Confirm:\$false'
    }
}
