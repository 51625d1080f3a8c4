BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'DatabaseTestHelpers.psm1') -Force
    Import-BuiltModule
    $script:Bed = Get-TestBed
    $script:Password = $Bed.PASSWORD
    $script:Url = Get-TestDatabaseUrl
    $script:CommandId = 'OpsRunbook.Database.GetDatabaseSizeCommand'
    $script:Table = New-TestBloatedTable -Rows 20000
}

AfterAll {
    if ($Table) { $null = Invoke-TestPsql "DROP TABLE IF EXISTS $Table" -User postgres }
}

Describe 'Get-DatabaseSize' {
    It 'writes the size of each database, largest first, as pg_database_size reads it' {
        $sizes = Get-DatabaseSize -ConnectionString $Url
        $sizes | ForEach-Object { $_ | Should -BeOfType ([OpsRunbook.DatabaseSize]) }
        # The docs' examples (run earlier in the suite) leave seed 000's portfolio_advisor databases behind, on purpose.
        $sizes.Database | Where-Object { $_ -notlike 'portfolio_advisor*' } | Sort-Object | Should -Be @('opsrunbook', 'postgres')
        ($sizes.SizeBytes | Sort-Object -Descending) | Should -Be $sizes.SizeBytes
        $witness = [long](Invoke-TestPsql "SELECT pg_database_size('postgres')")
        ($sizes | Where-Object Database -eq postgres).SizeBytes | Should -Be $witness
        (Get-DatabaseSize -ConnectionString $Url -Database post*).Database | Should -Be 'postgres'
        Get-DatabaseSize -ConnectionString $Url -Top 1 | Should -HaveCount 1
    }

    It 'writes per table the total, heap, index and TOAST sizes, rows, dead rows and bloat' {
        $size = Get-DatabaseSize -ConnectionString $Url -TableName $Table
        $size | Should -BeOfType ([OpsRunbook.TableSize])
        $size.Table | Should -Be "public.$Table"
        $size.TotalBytes | Should -Be ([long](Invoke-TestPsql "SELECT pg_total_relation_size('$Table')"))
        $size.TotalBytes | Should -Be ($size.TableBytes + $size.IndexBytes + $size.ToastBytes)
        $size.RowEstimate | Should -BeGreaterThan 18000
        # Two updates of every row leave a third to two thirds of the heap dead or free, as page pruning allows.
        $size.DeadTuples | Should -BeGreaterThan 15000
        $size.BloatRatio | Should -BeGreaterThan 0.25
        $size.LastAnalyze | Should -Not -BeNullOrEmpty
        (Get-DatabaseSize -ConnectionString $Url -Table | Where-Object Name -eq $Table).TotalBytes | Should -Be $size.TotalBytes
        Get-DatabaseSize -ConnectionString $Url -Table -Top 1 | Should -HaveCount 1
    }

    It 'shows the bloat made by mass updates shrink after Invoke-DatabaseMaintenance -Operation VacuumFull' {
        $before = Get-DatabaseSize -ConnectionString $Url -TableName $Table
        $result = Invoke-DatabaseMaintenance -ConnectionString $Url -Operation VacuumFull, Analyze -Table $Table -Force
        $after = Get-DatabaseSize -ConnectionString $Url -TableName $Table
        $result.SizeBeforeBytes | Should -Be $before.TotalBytes
        $result.SizeAfterBytes | Should -Be $after.TotalBytes
        $after.TotalBytes | Should -BeLessThan ($before.TotalBytes * 0.7)
        $after.BloatRatio | Should -BeLessThan 0.1
        $after.DeadTuples | Should -Be 0
    }

    Context 'the default views' {
        It 'shows databases as a table of name, owner, size and connections' {
            $text = Get-DatabaseSize -ConnectionString $Url | Format-Table | Out-String -Width 250
            $text | Should -Match 'Database\s+Owner\s+Size\s+Connections\s+Server'
            $text | Should -Match 'opsrunbook\s+opsrunbook\s+\d+(\.\d)? MB\s+\d+'
        }

        It 'shows tables with sizes in kB and MB, rows, dead rows, bloat and upkeep times' {
            $null = Invoke-DatabaseMaintenance -ConnectionString $Url -Operation Vacuum, Analyze -Table $Table
            $text = Get-DatabaseSize -ConnectionString $Url -TableName $Table | Format-Table | Out-String -Width 250
            $text | Should -Match 'Table\s+Total\s+Heap\s+Indexes\s+Toast\s+Rows\s+DeadRows\s+Bloat%\s+LastVacuum\s+LastAnalyze'
            $text | Should -Match "public\.$Table\s+\d+(\.\d)? MB\s+\d+(\.\d)? MB\s+\d+(\.\d)? (kB|MB)\s+\d+(\.\d)? kB\s+\d+\s+\d+\s+\d+\.\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d"
        }
    }

    Context 'bad input' {
        It '<Case> is the error <ErrorId>' -ForEach @(
            @{ Case = 'an unknown database'; ErrorId = 'DatabaseNotFound'; Script = { Get-DatabaseSize -ConnectionString $Url -Database no_such_db } }
            @{ Case = 'an unknown database for tables'; ErrorId = 'DatabaseNotFound'; Script = { Get-DatabaseSize -ConnectionString $Url -Table -Database no_such_db } }
            @{ Case = 'an unknown table'; ErrorId = 'TableNotFound'; Script = { Get-DatabaseSize -ConnectionString $Url -TableName no_such_table } }
            @{ Case = 'a wrong password'; ErrorId = 'AuthenticationFailed'; Script = { Get-DatabaseSize -ConnectionString $Bed.PostgresUri -Credential ([pscredential]::new('opsrunbook', (ConvertTo-SecureString 'nope' -AsPlainText -Force))) } }
        ) {
            $output = try { & $Script -ErrorAction Continue 2>&1 } catch { $_ }
            $err = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be "$ErrorId,$CommandId"
            $err[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
            (($err[0].Exception.ToString()) + ($output | Out-String)).Contains($Password) | Should -BeFalse
        }
    }
}
