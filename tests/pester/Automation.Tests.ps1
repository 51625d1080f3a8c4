# Azure Automation runs runbooks in a host of its own: no console to read, no one to answer a prompt, secrets from
# PSCredential assets or environment variables. These tests run the module the same way.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Root = Get-RepositoryRoot
    $script:Bed = Get-TestBed
    $script:Db = 'orbaa_' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $null = Invoke-TestPsql "CREATE DATABASE $Db OWNER $($Bed.PG_USER)"
    $null = Invoke-TestPsql -Database $Db -User $Bed.PG_USER -Sql 'CREATE TABLE trades (id int PRIMARY KEY, symbol text); INSERT INTO trades SELECT g, md5(g::text) FROM generate_series(1, 300) g'

    # The runbook runs in a runspace of PowerShell's default host, which has no user interface: a prompt there
    # fails instead of waiting, as it does in Azure Automation.
    $script:HostlessRunner = Join-Path $TestDrive 'Invoke-Hostless.ps1'
    Set-Content $HostlessRunner @'
param([string]$ModulePath, [string]$Script, [hashtable]$Arguments)
$powershell = [powershell]::Create()
$null = $powershell.AddScript("Import-Module '$ModulePath'; `$ProgressPreference = 'Continue'").AddStatement().AddScript($Script).AddParameters($Arguments)
$output = try { $powershell.Invoke() } catch { 'invoke-failed:' + $_.Exception.InnerException.Message }
$output | ForEach-Object { "$_" }
'host:' + $powershell.Runspace.SessionStateProxy.GetVariable('Host').Name
'progress-records:' + $powershell.Streams.Progress.Count
foreach ($record in $powershell.Streams.Error) { 'error:' + $record.FullyQualifiedErrorId + ':' + $record.Exception.Message }
'@

    function Invoke-Hostless([string]$Script, [hashtable]$Arguments, [hashtable]$Environment = @{}) {
        $argumentText = ($Arguments.GetEnumerator() | ForEach-Object { "'$($_.Key)' = '$($_.Value)'" }) -join '; '
        Invoke-NewPwsh -NoConsoleInput -Environment $Environment -Command "& '$HostlessRunner' -ModulePath '$(Get-BuiltModulePath)' -Script @'`n$Script`n'@ -Arguments @{ $argumentText }"
    }
}

AfterAll {
    foreach ($name in $Db, "$($Db)_copy") { $null = Invoke-TestPsql "DROP DATABASE IF EXISTS $name WITH (FORCE)" }
}

Describe 'Running unattended, as Azure Automation does' {
    It 'runs the sample runbook in pwsh -NonInteractive with no console input to completion' {
        $work = Join-Path $TestDrive 'sample'
        $environment = Initialize-ExampleDirectory -Path $work
        $environment.PSModulePath = (Join-Path $Root 'out') + [IO.Path]::PathSeparator + $env:PSModulePath
        $output = Invoke-NewPwsh -NoConsoleInput -Environment $environment -WorkingDirectory $work -Command @"
& '$Root/samples/portfolio-advisor.ps1' -Inventory ./stack.psd1 -StartupTimeoutSec 30
'exit-code:' + `$LASTEXITCODE
"@
        $output | Should -Contain 'exit-code:0'
        ($output -join "`n") | Should -Match 'All 4 services are healthy\.'
    }

    It 'backs up and restores with -Confirm:$false and -Force in a host with no user interface, the password from a PSCredential, progress on' {
        $output = Invoke-Hostless -Environment @{ RUNBOOK_PG_PASSWORD = $Bed.PASSWORD } -Arguments @{
            ConnectionString = "Host=$($Bed.PG_HOST);Port=$($Bed.PG_PORT);Database=$Db"; User = 'postgres'
            Folder = (Join-Path $TestDrive 'backups'); Target = "$($Db)_copy"; ClosedUri = "http://127.0.0.1:$(Get-ClosedPort)/health"
        } -Script @'
param($ConnectionString, $User, $Folder, $Target, $ClosedUri)
$ErrorActionPreference = 'Stop'
# What Get-AutomationPSCredential hands a runbook.
$credential = [pscredential]::new($User, (ConvertTo-SecureString $env:RUNBOOK_PG_PASSWORD -AsPlainText -Force))
$backup = Invoke-DatabaseBackup -ConnectionString $ConnectionString -Credential $credential -Path $Folder -Confirm:$false
'backup:' + $backup.Verification
'test:' + (Test-DatabaseBackup -Path $backup.Path -ConnectionString $ConnectionString -Credential $credential).Passed
Restore-DatabaseBackup -Path $backup.Path -ConnectionString $ConnectionString -Credential $credential -TargetDatabase $Target -Confirm:$false |
    ForEach-Object { 'restore:' + $_.TargetDatabase + ':replaced=' + $_.Replaced }
Restore-DatabaseBackup -Path $backup.Path -ConnectionString $ConnectionString -Credential $credential -TargetDatabase $Target -Force |
    ForEach-Object { 'again:' + $_.TargetDatabase + ':replaced=' + $_.Replaced }
# A wait long enough to show progress, which has no one to show it to here.
$null = Wait-ServiceHealth -Uri $ClosedUri -TimeoutSec 2 -ErrorAction SilentlyContinue -ErrorVariable waitErrors
'wait:' + $waitErrors[0].FullyQualifiedErrorId
'@
        $output | Should -Contain 'host:Default Host'
        $output | Should -Contain 'backup:Valid'
        $output | Should -Contain 'test:True'
        $output | Should -Contain "restore:$($Db)_copy:replaced=False"
        $output | Should -Contain "again:$($Db)_copy:replaced=True"
        $output | Should -Contain 'wait:ServiceNotHealthy,OpsRunbook.Health.WaitServiceHealthCommand'
        ($output | Where-Object { $_ -like 'error:*' }) | Should -BeNullOrEmpty
        [int](($output | Where-Object { $_ -like 'progress-records:*' }) -replace '\D') | Should -BeGreaterThan 0
        Invoke-TestPsql -Database "$($Db)_copy" -Sql 'SELECT count(*) FROM trades' | Should -Be 300
        ($output -join "`n").Contains($Bed.PASSWORD) | Should -BeFalse
    }

    It 'fails at once, changing nothing, when a destructive change would need an answer no one can give' {
        $null = Invoke-TestPsql -Database "$($Db)_copy" -Sql 'CREATE TABLE marker (id int)'
        $backup = (Get-ChildItem (Join-Path $TestDrive 'backups') -Filter '*.dump' | Select-Object -First 1).FullName
        $elapsed = [Diagnostics.Stopwatch]::StartNew()
        $output = Invoke-Hostless -Environment @{ PGPASSWORD = $Bed.PASSWORD } -Arguments @{
            ConnectionString = "postgres://postgres@$($Bed.PG_HOST):$($Bed.PG_PORT)/$Db"; Backup = $backup; Target = "$($Db)_copy"
        } -Script @'
param($ConnectionString, $Backup, $Target)
Restore-DatabaseBackup -Path $Backup -ConnectionString $ConnectionString -TargetDatabase $Target
'@
        $elapsed.Elapsed.TotalSeconds | Should -BeLessThan 60
        ($output | Where-Object { $_ -like 'error:*' }) | Should -BeLike 'error:HostFunctionNotImplemented,OpsRunbook.Database.RestoreDatabaseBackupCommand:*does not support user interaction*'
        Invoke-TestPsql -Database "$($Db)_copy" -Sql "SELECT count(*) FROM pg_tables WHERE tablename = 'marker'" | Should -Be 1 -Because 'the database was not replaced'
    }
}
