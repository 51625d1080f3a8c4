# The incident cmdlets as users meet them: pipelines from Get-ServiceHealth, views, -WhatIf, errors, completion,
# the store configured once, the recording webhook of the test service, evidence with the password planted in it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Http = $Bed.HTTP_URL
    $script:Password = $Bed.PASSWORD
    $script:Inventory = New-TestInventory -Path (Join-Path $TestDrive 'stack.psd1')

    # A store of the test's own for every incident cmdlet, configured once as a user would.
    $script:Store = Join-Path $TestDrive 'incidents'
    $PSDefaultParameterValues['*-Incident*:Store'] = $Store

    function New-Webhook([string]$Query = '') {
        $channel = 'p-' + [guid]::NewGuid().ToString('N').Substring(0, 10)
        [pscustomobject]@{ Channel = $channel; Uri = "$Http/webhook/$channel$Query" }
    }

    # Invoke-RestMethod writes a JSON array as one object: the parentheses unroll it.
    function Get-WebhookPost([string]$Channel) { @((Invoke-RestMethod "$Http/webhook/$Channel")) }

    function Get-StackTraceLine([System.Management.Automation.ErrorRecord]$Record) {
        # What a user sees of an error must not be a .NET stack trace.
        ($Record | Out-String) -split "`n" | Where-Object { $_ -match '^\s+at [\w.<>`]+\(' }
    }
}

AfterAll {
    $PSDefaultParameterValues.Remove('*-Incident*:Store')
}

Describe 'Start-IncidentResponse' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    It 'opens an incident from the unhealthy results piped in, each with its error on the timeline' {
        $incident = @(
            Get-ServiceHealth -Uri "$Http/health/ready?status=503" -Name api
            Get-ServiceHealth -Uri "$Http/health" -Name api-liveness
        ) | Start-IncidentResponse -Severity P1 -Commander alice

        $incident | Should -BeOfType ([OpsRunbook.Incident])
        $incident.Id | Should -Match '^INC-\d{8}-\d{3}$'
        $incident.Title | Should -Match '^api is Unhealthy: HTTP 503'
        $incident.Status | Should -Be 'Investigating'
        $incident.Services | Should -Be @('api')
        $incident.Commander | Should -Be 'alice'
        $incident.AcknowledgedAt | Should -Be $incident.StartedAt
        $incident.DetectedAt | Should -BeLessThan $incident.StartedAt
        $incident.ResponseDeadline | Should -Be $incident.DetectedAt.AddMinutes(15)
        $incident.EscalationLevel | Should -Be 'On-call engineer'
        $incident.NextEscalation | Should -Be 'Team lead'
        ($incident.Timeline | Where-Object Kind -eq ServiceAffected).Text | Should -Match '^api is Unhealthy: HTTP 503'
        $incident.Store | Should -Be $Store
        Join-Path $Store "$($incident.Id).jsonl" | Should -Exist
    }

    It 'shows incidents and their timelines as tables' {
        $incident = Start-IncidentResponse 'Cache hit rate under 50%' -Severity P2 -Service redis
        $table = $incident | Format-Table | Out-String -Width 250
        $table | Should -Match 'Id\s+Sev\s+Status\s+Started\s+Age\s+Escalated to\s+Next escalation\s+Services\s+Title'
        $table | Should -Match "$($incident.Id)\s+P2\s+Investigating"
        $table | Should -Match 'Team lead at \d\d:\d\d'
        $timeline = $incident.Timeline | Format-Table | Out-String -Width 250
        $timeline | Should -Match "IncidentId: $($incident.Id)"
        $timeline | Should -Match 'Time\s+Kind\s+By\s+Text'
        $timeline | Should -Match 'Opened\s+\S+\s+Opened P2 incident: Cache hit rate under 50%'
        $incident.EscalationPolicy | Format-Table | Out-String | Should -Match 'Team lead\s+00:30:00.0\s+P0, P1, P2'
    }

    It 'opens nothing when the pipeline brings nothing unhealthy, and says so' {
        $before = @(Get-ChildItem $Store -Filter *.jsonl).Count
        $output = Get-ServiceHealth -Uri "$Http/health" | Where-Object Status -ne Healthy | Start-IncidentResponse -Severity P1 -Verbose 4>&1
        @($output | Where-Object { $_ -is [OpsRunbook.Incident] }).Count | Should -Be 0
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Match 'no incident was opened'
        @(Get-ChildItem $Store -Filter *.jsonl).Count | Should -Be $before
    }

    It 'records nothing with -WhatIf' {
        $before = @(Get-ChildItem $Store -Filter *.jsonl).Count
        Start-IncidentResponse -Title 'What if' -Severity P0 -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem $Store -Filter *.jsonl).Count | Should -Be $before
    }

    It 'takes an escalation policy of the user''s own, as hashtables' {
        $policy = @{ Name = 'Primary'; After = '00:00:00' }, @{ Name = 'Secondary'; After = '00:05:00'; Severity = 'P0', 'P1' }
        $incident = Start-IncidentResponse -Title 'Own policy' -Severity P1 -EscalationPolicy $policy
        $incident.EscalationPolicy.Name | Should -Be @('Primary', 'Secondary')
        $incident.NextEscalation | Should -Be 'Secondary'
        $incident.NextEscalationAt | Should -Be $incident.DetectedAt.AddMinutes(5)
        (Get-Incident -Id $incident.Id).EscalationPolicy.Name | Should -Be @('Primary', 'Secondary')
    }

    It 'sends the [INCIDENT] message to the webhook and records it' {
        $webhook = New-Webhook
        $incident = Start-IncidentResponse -Title 'Payments failing' -Severity P0 -Service payments -Impact 'No customer can pay' -Notify -WebhookUri $webhook.Uri
        $post = Get-WebhookPost $webhook.Channel
        $post.Count | Should -Be 1
        $lines = $post[0].text -split "`n"
        $lines[0] | Should -Be "[INCIDENT] $($incident.Id) - P0 - Payments failing"
        $lines[1] | Should -Be 'Impact: No customer can pay'
        $lines[2] | Should -Be 'Status: Investigating'
        $lines[3] | Should -Match '^Next Update: \d\d:\d\d UTC$'
        ($incident.Timeline | Where-Object Kind -eq Notified).Text | Should -Be "Sent [INCIDENT] to http://127.0.0.1:$(([uri]$Http).Port)/***"
    }

    It 'warns, records the failure and keeps the incident when the webhook fails' {
        $webhook = New-Webhook '?fail=99&status=500'
        $incident = Start-IncidentResponse -Title 'Webhook down' -Severity P1 -Notify -WebhookUri $webhook.Uri -NotificationTimeoutSec 2 -WarningVariable warnings -WarningAction SilentlyContinue
        $incident.Status | Should -Be 'Investigating'
        $incident.NotificationFailures | Should -Be 1
        ($incident.Timeline | Where-Object Kind -eq NotificationFailed).Text | Should -Match 'after 3 attempts: HTTP 500'
        $warnings.Count | Should -Be 1
        "$($warnings[0])" | Should -Match "$($incident.Id): the \[INCIDENT\] message could not be sent"
        (Get-WebhookPost $webhook.Channel).Count | Should -Be 3
    }

    It 'collects evidence that the password planted in it never reaches' {
        $project = 'orbinc' + [guid]::NewGuid().ToString('N').Substring(0, 6)
        $script = @"
trap 'exit 0' TERM
echo '{"level":"ERROR","msg":"db connect failed","dsn":"postgres://app:$Password@db:5432/app"}'
echo 'level=error msg="upstream refused" password=$Password'
echo '{"level":"INFO","msg":"healthy"}'
while true; do sleep 0.1; done
"@
        $container = New-TestContainer -Project $project -Service api -Script $script
        try {
            Start-Sleep -Milliseconds 500
            $incident = Use-Environment @{ DOCKER_HOST = $Bed.DOCKER_HOST } {
                Get-ServiceHealth -Uri "$Http/health/ready?status=503" -Name api |
                    Start-IncidentResponse -Severity P1 -CollectEvidence -Inventory $Inventory -EvidencePath (Join-Path $TestDrive 'evidence')
            }
            $incident.EvidencePath | Should -Be (Join-Path $TestDrive "evidence/$($incident.Id)")
            # Other tests' containers of a service named api may be on the daemon too: their logs are taken as well.
            $names = $incident.Evidence.Name
            $names[0..1] | Should -Be @('01-health.json', '02-containers.json')
            $ownLog = $names | Where-Object { $_ -match "^\d\d-logs-$container\.log$" }
            $ownLog | Should -Not -BeNullOrEmpty
            $names | Where-Object { $_ -match '^\d\d-database-postgres\.json$' } | Should -Not -BeNullOrEmpty
            $names | Where-Object { $_ -match '^\d\d-redis-redis\.txt$' } | Should -Not -BeNullOrEmpty
            @($incident.Timeline | Where-Object Kind -eq Evidence).Count | Should -Be $incident.Evidence.Count
            foreach ($file in Get-ChildItem $incident.EvidencePath -File) {
                (Get-Content $file.FullName -Raw).Contains($Password) | Should -BeFalse -Because "$($file.Name) must not hold the password"
                (Get-FileHash $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be ($incident.Evidence | Where-Object Name -eq $file.Name).Sha256
            }
            $log = Get-Content (Join-Path $incident.EvidencePath $ownLog) -Raw
            $log | Should -Match 'postgres://app:\[REDACTED\]@db'
            $log | Should -Match 'password=\[REDACTED\]'
            $log | Should -Not -Match 'healthy'
            # Seed 004's leak check finds nothing unredacted, nor does Test-LogRedaction, told the password's variable.
            Get-Content (Join-Path $incident.EvidencePath $ownLog) | Where-Object { $_ -match 'api[_-]?key|password|secret' -and $_ -notmatch 'REDACTED' } | Should -BeNullOrEmpty
            Test-LogRedaction -Path (Get-ChildItem $incident.EvidencePath -File).FullName -EnvironmentVariable OPSRUNBOOK_TEST_PASSWORD | Should -BeNullOrEmpty
            $incident.Evidence | Format-Table | Out-String -Width 250 | Should -Match 'Name\s+Size\s+Masked\s+Source'
            Get-ChildItem $incident.EvidencePath -File | ForEach-Object { Get-Content $_.FullName -Raw } | Save-TestArtifact -Name 'incident-evidence.txt'
        }
        finally { Remove-TestProject $project }
    }

    It 'stops at once on Ctrl+C while a webhook hangs, the incident already recorded' {
        $webhook = New-Webhook '?hang=1'
        $store = Join-Path $TestDrive 'stopped'
        $shell = [powershell]::Create()
        try {
            $null = $shell.AddCommand('Import-Module').AddParameter('Name', (Get-BuiltModulePath)).AddStatement().
                AddCommand('Start-IncidentResponse').AddParameters(@{ Title = 'Stopped'; Severity = 'P1'; Store = $store; Notify = $true; WebhookUri = $webhook.Uri; NotificationTimeoutSec = 120 })
            $running = $shell.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(30)
            while (-not (Get-WebhookPost $webhook.Channel).Count -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Get-WebhookPost $webhook.Channel).Count | Should -Be 1 -Because 'the message is being sent'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $shell.Stop()
            # Stop() returns once the pipeline stopped; the async result is signalled just after.
            $running.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(10)) | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
        }
        finally { $shell.Dispose() }
        $incident = Get-Incident -Store $store
        $incident.Title | Should -Be 'Stopped'
        $incident.Timeline.Kind | Should -Be @('Opened')
    }

    It 'opens the incident and warns when the evidence folder cannot be written' {
        $run = Use-Environment @{ DOCKER_HOST = $Bed.DOCKER_HOST } {
            $opened = Get-ServiceHealth -Uri "$Http/health/ready?status=503" -Name api |
                Start-IncidentResponse -Severity P2 -EvidencePath '/proc/opsrunbook-evidence' -WarningVariable warned -WarningAction SilentlyContinue
            [pscustomobject]@{ Incident = $opened; Warnings = @($warned) }
        }
        $incident = $run.Incident
        $warnings = $run.Warnings
        $incident.Status | Should -Be 'Investigating'
        $incident.Evidence | Should -BeNullOrEmpty
        $skipped = @($incident.Timeline | Where-Object Kind -eq EvidenceSkipped)
        @($skipped.Text | Where-Object { $_ -like 'No evidence from service health: *' }).Count | Should -Be 1
        ($skipped.Text | Where-Object { $_ -like 'No evidence from the Docker Engine at *' }) | Should -Match '/proc/opsrunbook-evidence'
        @($warnings).Count | Should -Be @($incident.Timeline | Where-Object Kind -eq EvidenceSkipped).Count
        "$($warnings[0])" | Should -Match "$($incident.Id): no evidence from"
    }

    It 'refuses bad input with a specific error that says what to fix, before anything is recorded' {
        $before = @(Get-ChildItem $Store -Filter *.jsonl).Count
        $cases = @(
            @{ Run = { Start-IncidentResponse -Severity P1 }; Id = 'IncidentTitleMissing'; Category = 'InvalidArgument'; Fix = 'Give -Title' }
            @{ Run = { Use-Environment @{ OPSRUNBOOK_INCIDENT_WEBHOOK = $null; SLACK_WEBHOOK_URL = $null } { Start-IncidentResponse 'x' -Severity P1 -Notify } }; Id = 'WebhookNotConfigured'; Category = 'InvalidArgument'; Fix = 'Give -WebhookUri' }
            @{ Run = { Start-IncidentResponse 'x' -Severity P1 -Notify -WebhookUri 'ftp://hooks.example/T0/B0/secret-token' }; Id = 'InvalidWebhookUri'; Category = 'InvalidArgument'; Fix = 'incoming webhook' }
            @{ Run = { Start-IncidentResponse 'x' -Severity P1 -EscalationPolicy @{ Name = ''; After = '00:10:00' } }; Id = 'InvalidEscalationPolicy'; Category = 'InvalidArgument'; Fix = 'Name =' }
            @{ Run = { Start-IncidentResponse 'x' -Severity P1 -StoreCredential (New-TestCredential) }; Id = 'StoreCredentialNotApplicable'; Category = 'InvalidArgument'; Fix = 'PostgreSQL connection string' }
            @{ Run = { Start-IncidentResponse 'x' -Severity P1 -Inventory (Join-Path $TestDrive 'missing.psd1') -CollectEvidence }; Id = 'InventoryNotFound'; Category = 'ObjectNotFound'; Fix = 'inventory file' }
        )
        foreach ($case in $cases) {
            $err = try { & $case.Run; $null } catch { $_ }
            $err | Should -Not -BeNullOrEmpty -Because "$($case.Id) is expected"
            $err.FullyQualifiedErrorId | Should -Be "$($case.Id),OpsRunbook.Incidents.StartIncidentResponseCommand"
            $err.CategoryInfo.Category | Should -Be $case.Category
            $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape($case.Fix))
            Get-StackTraceLine $err | Should -BeNullOrEmpty
            ($err | Out-String).Contains('secret-token') | Should -BeFalse
        }
        # PowerShell itself names the severities there are.
        $err = try { Start-IncidentResponse 'x' -Severity P9 } catch { $_ }
        ($err | Out-String) | Should -Match 'P0, P1, P2, P3'
        @(Get-ChildItem $Store -Filter *.jsonl).Count | Should -Be $before
    }

    It 'fails with IncidentStoreUnwritable, recording nothing anywhere, when the store cannot be written' {
        $err = try { Start-IncidentResponse 'Lost?' -Severity P1 -Store '/proc/opsrunbook-incidents' } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'IncidentStoreUnwritable,OpsRunbook.Incidents.StartIncidentResponseCommand'
        $err.CategoryInfo.Category | Should -Be 'WriteError'
        $err.Exception.Message | Should -Match 'Nothing was recorded'
        $err.ErrorDetails.RecommendedAction | Should -Match 'OPSRUNBOOK_INCIDENT_STORE'
        Get-StackTraceLine $err | Should -BeNullOrEmpty
    }
}

Describe 'Get-Incident' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    BeforeAll {
        $script:Listed = Join-Path $TestDrive 'listed'
        $script:Open = Start-IncidentResponse 'Open one' -Severity P1 -Store $Listed
        $script:Done = Start-IncidentResponse 'Done one' -Severity P3 -Store $Listed | Close-Incident -Resolution 'fixed' -RootCause 'typo' -Store $Listed
    }

    It 'lists newest first, filters by status, since and Id wildcards' {
        (Get-Incident -Store $Listed).Id | Should -Be @($Done.Id, $Open.Id)
        (Get-Incident -Store $Listed -Status Resolved).Id | Should -Be @($Done.Id)
        (Get-Incident -Store $Listed -Status Investigating, Identified).Id | Should -Be @($Open.Id)
        (Get-Incident -Store $Listed -Since '1h').Count | Should -Be 2
        (Get-Incident -Store $Listed -Since ([datetime]::Now.AddMinutes(5))) | Should -BeNullOrEmpty
        (Get-Incident -Store $Listed -Id ($Open.Id.Substring(0, 12) + '*')).Count | Should -Be 2
        (Get-Incident $Open.Id -Store $Listed).Title | Should -Be 'Open one'
    }

    It 'writes IncidentNotFound for an Id it does not have and goes on with the others' {
        $found = Get-Incident -Id 'INC-19990101-001', $Open.Id -Store $Listed -ErrorAction SilentlyContinue -ErrorVariable errors
        $found.Id | Should -Be $Open.Id
        $errors[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,OpsRunbook.Incidents.GetIncidentCommand'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'Tab completes'
    }

    It 'refuses an Id that could be a path and a -Since it cannot read' {
        { Get-Incident -Id '../../etc/passwd' -Store $Listed } | Should -Throw -ErrorId 'InvalidIncidentId,OpsRunbook.Incidents.GetIncidentCommand'
        { Get-Incident -Since 'last tuesday-ish' -Store $Listed } | Should -Throw -ErrorId 'InvalidSince,OpsRunbook.Incidents.GetIncidentCommand'
    }

    It 'completes -Id with the incidents of the configured store, open ones first' {
        # Set once for every incident cmdlet, as a profile would (a second, different entry would cancel both, as PowerShell does).
        $PSDefaultParameterValues['*-Incident*:Store'] = $Listed
        try {
            $line = 'Get-Incident -Id INC-'
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $completions.CompletionText | Should -Be @($Open.Id, $Done.Id)
            $completions[0].ToolTip | Should -Be 'P1 Investigating: Open one'
            $line = "Close-Incident -Store '$Listed' -Id INC-"
            (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain $Open.Id
        }
        finally { $PSDefaultParameterValues['*-Incident*:Store'] = $Store }
    }

    It 'uses the store of OPSRUNBOOK_INCIDENT_STORE in a new session, with no parameter' {
        $output = Invoke-NewPwsh -Environment @{ OPSRUNBOOK_INCIDENT_STORE = $Listed } -Command @"
Import-Module '$(Get-BuiltModulePath)'
(Get-Incident).Id -join ','
"@
        $output | Should -Be "$($Done.Id),$($Open.Id)"
    }
}

Describe 'Add-IncidentNote, Set-IncidentStatus and Close-Incident' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    It 'take the incident from the pipeline and move it along, each change on the timeline' {
        $webhook = New-Webhook
        $incident = Start-IncidentResponse 'Latency over 30 s' -Severity P1 -Service api
        $incident | Add-IncidentNote -Text 'p95 is 34 s; the market-data span is slow'
        Get-Incident $incident.Id | Add-IncidentNote -Text 'Add a latency alert on market-data' -ActionItem
        $identified = $incident | Set-IncidentStatus -Status Identified -Note 'Market data API slow' -RootCause 'Upstream latency' -Notify -WebhookUri $webhook.Uri
        $identified.Status | Should -Be 'Identified'
        $identified.RootCause | Should -Be 'Upstream latency'
        $monitoring = $incident | Set-IncidentStatus Monitoring -Note 'Degradation mode on' -Notify -WebhookUri $webhook.Uri
        $monitoring.MitigatedAt | Should -Not -BeNullOrEmpty
        $closed = $incident | Close-Incident -Resolution 'Degradation mode, then the upstream recovered' -RootCause 'Upstream latency under load' -ActionItem 'Cache quotes longer' -Notify -WebhookUri $webhook.Uri

        $closed.Status | Should -Be 'Resolved'
        $closed.Duration | Should -Be ($closed.ResolvedAt - $closed.StartedAt)
        $closed.ActionItems | Should -Be @('Add a latency alert on market-data', 'Cache quotes longer')
        $closed.NoteCount | Should -Be 1
        $closed.Timeline.Kind | Should -Be @('Opened', 'ServiceAffected', 'Note', 'ActionItem', 'StatusChanged', 'Notified', 'StatusChanged', 'Notified', 'Resolved', 'ActionItem', 'Notified')
        $posts = Get-WebhookPost $webhook.Channel
        $posts.text | ForEach-Object { ($_ -split ' ')[0] } | Should -Be @('[UPDATE]', '[UPDATE]', '[RESOLVED]')
        $posts[1].text | Should -Match 'Mitigation: Degradation mode on'
        $posts[2].text | Should -Match "Duration: \d+ seconds?"
    }

    It 'adds a note to many incidents from the pipeline, and -PassThru writes each' {
        $a = Start-IncidentResponse 'A' -Severity P3
        $b = Start-IncidentResponse 'B' -Severity P3
        $written = $a, $b | Add-IncidentNote -Text 'Handed over to the day shift' -PassThru
        $written.Id | Should -Be @($a.Id, $b.Id)
        $written.NoteCount | Should -Be @(1, 1)
        $a | Add-IncidentNote -Text 'silent' | Should -BeNullOrEmpty
    }

    It 'changes nothing with -WhatIf' {
        $incident = Start-IncidentResponse 'What if' -Severity P2
        $incident | Add-IncidentNote -Text 'x' -WhatIf
        $incident | Set-IncidentStatus -Status Identified -WhatIf | Should -BeNullOrEmpty
        $incident | Close-Incident -Resolution x -RootCause y -WhatIf | Should -BeNullOrEmpty
        (Get-Incident $incident.Id).Timeline.Count | Should -Be 1
    }

    It 'refuses to resolve twice, and reopens on request' {
        $incident = Start-IncidentResponse 'Twice' -Severity P2 | Close-Incident -Resolution 'fixed' -RootCause 'cause'
        $err = try { $incident | Close-Incident -Resolution 'again' -RootCause 'again' -ErrorAction Stop } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'IncidentAlreadyResolved,OpsRunbook.Incidents.CloseIncidentCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.ErrorDetails.RecommendedAction | Should -Match 'reopens it'
        $reopened = $incident | Set-IncidentStatus -Status Investigating -Note 'It is back'
        $reopened.Status | Should -Be 'Investigating'
        $reopened.ResolvedAt | Should -BeNullOrEmpty
    }

    It 'writes a non-terminating error per Id it cannot find or read, and goes on' {
        $good = Start-IncidentResponse 'Good' -Severity P3
        Add-IncidentNote -Id 'INC-19990101-001', 'bad/id', $good.Id -Text 'x' -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors.FullyQualifiedErrorId | Should -Be @('IncidentNotFound,OpsRunbook.Incidents.AddIncidentNoteCommand', 'InvalidIncidentId,OpsRunbook.Incidents.AddIncidentNoteCommand')
        (Get-Incident $good.Id).NoteCount | Should -Be 1
        Set-IncidentStatus -Id 'INC-19990101-001' -Status Identified -ErrorAction SilentlyContinue -ErrorVariable statusErrors
        $statusErrors[0].FullyQualifiedErrorId | Should -Be 'IncidentNotFound,OpsRunbook.Incidents.SetIncidentStatusCommand'
    }
}

Describe 'Export-IncidentReport' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    BeforeAll {
        $script:Reported = Start-IncidentResponse 'Report me' -Severity P1 -Service api -Commander carol |
            Close-Incident -Resolution 'Restarted the api' -RootCause 'Memory leak' -ActionItem 'Fix the leak'
    }

    It 'writes the post-mortem as Markdown to the pipeline' {
        $report = $Reported | Export-IncidentReport
        $report | Should -BeOfType ([string])
        $report | Should -Match "^# Post-mortem: $($Reported.Id) - Report me"
        foreach ($section in 'Summary', 'Impact', 'Response times', 'Timeline', 'Root cause', 'Resolution', 'Action items', 'Evidence') {
            $report | Should -Match "(?m)^## $section$"
        }
        $report | Should -Match '- \[ \] Fix the leak'
    }

    It 'writes INC-...-postmortem.md into a folder, refuses to overwrite without -Force, writes nothing with -WhatIf' {
        $folder = Join-Path $TestDrive 'reports'
        $null = New-Item -ItemType Directory $folder
        $Reported | Export-IncidentReport -Path $folder -WhatIf
        Join-Path $folder "$($Reported.Id)-postmortem.md" | Should -Not -Exist
        $file = $Reported | Export-IncidentReport -Path $folder
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.Name | Should -Be "$($Reported.Id)-postmortem.md"
        Get-Content $file.FullName -Raw | Should -Be ((Export-IncidentReport -Id $Reported.Id) -replace '\r', '')
        $err = try { $Reported | Export-IncidentReport -Path $folder -ErrorAction Stop } catch { $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ReportExists,OpsRunbook.Incidents.ExportIncidentReportCommand'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        ($Reported | Export-IncidentReport -Path $folder -Force).FullName | Should -Be $file.FullName
        ($Reported | Export-IncidentReport -Path (Join-Path $TestDrive 'named/pm.md')).Name | Should -Be 'pm.md'
    }
}

Describe 'Running the incident cmdlets unattended' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    It 'opens, updates and closes in a host with no user interface, the store and webhook from the environment' {
        $webhook = New-Webhook
        $runner = Join-Path $TestDrive 'Invoke-Hostless.ps1'
        Set-Content $runner @'
param([string]$ModulePath)
$powershell = [powershell]::Create()
$null = $powershell.AddScript("Import-Module '$ModulePath'").AddStatement().AddScript({
    $ErrorActionPreference = 'Stop'
    $incident = Start-IncidentResponse -Title 'Nightly job failed' -Severity P2 -Notify -Confirm:$false
    $incident | Add-IncidentNote -Text 'Retried by the runbook' -Confirm:$false
    $incident | Set-IncidentStatus -Status Monitoring -Notify -Confirm:$false | Out-Null
    $closed = $incident | Close-Incident -Resolution 'Retry succeeded' -RootCause 'Transient network error' -Notify -Confirm:$false
    'closed:' + $closed.Status + ':' + $closed.Timeline.Count
})
$output = try { $powershell.Invoke() } catch { 'invoke-failed:' + $_.Exception.InnerException.Message }
$output | ForEach-Object { "$_" }
foreach ($record in $powershell.Streams.Error) { 'error:' + $record.FullyQualifiedErrorId }
'@
        $store = Join-Path $TestDrive 'unattended'
        $output = Invoke-NewPwsh -NoConsoleInput -Environment @{ OPSRUNBOOK_INCIDENT_STORE = $store; SLACK_WEBHOOK_URL = $webhook.Uri } -Command "& '$runner' -ModulePath '$(Get-BuiltModulePath)'"
        $output | Should -Contain 'closed:Resolved:7'
        ($output | Where-Object { $_ -like 'error:*' -or $_ -like 'invoke-failed:*' }) | Should -BeNullOrEmpty
        (Get-WebhookPost $webhook.Channel).Count | Should -Be 3
        @(Get-ChildItem $store -Filter *.jsonl).Count | Should -Be 1
    }
}

Describe 'Help for the incident cmdlets' {
    AfterEach {
        # Start-IncidentResponse makes the incident it opens current for this session: the next test starts with none.
        Set-IncidentContext -Clear
    }

    It 'has the about_OpsRunbook_Incidents topic, with the process, the stores and the escalation path' {
        $text = Get-Help about_OpsRunbook_Incidents | Out-String
        foreach ($section in 'SEVERITIES AND TIMES', 'ESCALATION', 'STORES', 'NOTIFICATIONS', 'EVIDENCE') { $text | Should -Match $section }
        $text | Should -Match 'OPSRUNBOOK_INCIDENT_STORE'
    }
}
