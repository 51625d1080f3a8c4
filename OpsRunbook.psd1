@{
    RootModule           = 'OpsRunbook.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0c7e62-3f4b-4f8e-9b8a-2c6f1e9a7d41'
    Author               = 'OpsRunbook contributors'
    CompanyName          = 'OpsRunbook'
    Copyright            = '(c) 2026 OpsRunbook contributors. MIT License.'
    Description          = 'Operations runbooks as typed, pipeline-composable cmdlets: service health and waits, containers and stacks, PostgreSQL backups and restores, Redis, logs and metrics, incidents and rollback, tested against real services.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('OpsRunbook.format.ps1xml')
    CmdletsToExport      = @(
        'Get-ServiceHealth'
        'Wait-ServiceHealth'
        'Get-ServiceContainer'
        'Start-ServiceContainer'
        'Stop-ServiceContainer'
        'Restart-ServiceContainer'
        'Get-ServiceLog'
        'Get-ServiceContainerStat'
        'Start-ServiceStack'
        'Stop-ServiceStack'
        'Get-DatabaseActivity'
        'Stop-DatabaseSession'
        'Get-DatabaseSize'
        'Invoke-DatabaseMaintenance'
        'Invoke-DatabaseBackup'
        'Get-DatabaseBackup'
        'Test-DatabaseBackup'
        'Restore-DatabaseBackup'
        'Invoke-PrometheusQuery'
        'Get-ServiceMetric'
        'Get-AlertRule'
        'Test-AlertRule'
        'Get-Alert'
        'Search-ServiceLog'
        'Test-LogRedaction'
        'Start-IncidentResponse'
        'Get-Incident'
        'Add-IncidentNote'
        'Set-IncidentStatus'
        'Close-Incident'
        'Export-IncidentReport'
        'Clear-RedisCache'
        'Get-RedisInfo'
        'Invoke-RedisBackup'
        'New-RollbackPoint'
        'Get-RollbackPoint'
        'Invoke-Rollback'
        'Set-IncidentContext'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Operations', 'Runbook', 'HealthCheck', 'SRE', 'OnCall', 'Incident', 'PostgreSQL', 'Redis', 'Docker', 'Prometheus', 'Logs', 'Rollback', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/opsrunbook/OpsRunbook/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/opsrunbook/OpsRunbook'
            ReleaseNotes = '0.1.0: Get-ServiceHealth and Wait-ServiceHealth (Http, Postgres, Redis, Tcp, Tls, Container, Disk probes; inventory files); container and stack cmdlets on the Docker Engine API; PostgreSQL activity, session, size and maintenance cmdlets; checksummed PostgreSQL backups, restores and restoration tests; Prometheus queries, service metrics, alert rules, JSON log search and redaction checks; incident response: incidents opened from health results with redacted evidence, Slack-compatible notifications, escalation, post-mortems, in a folder or a PostgreSQL team store; Redis cache clearing (SCAN and UNLINK), INFO and checksummed RDB backups; restore points of a whole stack and Invoke-Rollback, with a safety point to roll forward to.'
        }
    }
}
