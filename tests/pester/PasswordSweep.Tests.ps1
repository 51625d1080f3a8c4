# The test command's password sweep, tested with leaks planted where a leak would hide: a dot-file in a hidden folder,
# UTF-16, base64, percent-encoded (both cases of hex), a container log of dockerd, a temporary work folder of the
# module's. Each is found, and nothing else is: another program's temporary files are not the module's to answer for.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../testbed/TestBed.psm1') -Force
    $script:Secret = "sw#ep/?@%;'`" ü-" + [guid]::NewGuid().ToString('N').Substring(0, 6)
    $script:Other = 'an-other-secret-' + [guid]::NewGuid().ToString('N').Substring(0, 6)

    function New-Planted([string]$Path, [byte[]]$Bytes) {
        $null = New-Item -ItemType Directory -Force (Split-Path $Path)
        [IO.File]::WriteAllBytes($Path, $Bytes)
        $Path
    }

    $utf8 = [Text.Encoding]::UTF8
    $results = Join-Path $TestDrive 'results'
    $temp = Join-Path $TestDrive 'tmp'
    $docker = Join-Path $TestDrive 'docker'
    $escaped = [uri]::EscapeDataString($Secret)
    $script:Expected = @(
        New-Planted (Join-Path $results '.hidden/.dotfile') $utf8.GetBytes("before $Secret after")
        New-Planted (Join-Path $results 'utf16.txt') ([Text.Encoding]::Unicode.GetBytes("log: $Secret"))
        New-Planted (Join-Path $results 'base64.txt') $utf8.GetBytes([Convert]::ToBase64String($utf8.GetBytes($Secret)))
        New-Planted (Join-Path $results 'url-upper.txt') $utf8.GetBytes("https://x/?p=$escaped")
        New-Planted (Join-Path $results 'url-lower.txt') $utf8.GetBytes("https://x/?p=" + [regex]::Replace($escaped, '%[0-9A-F]{2}', { param($m) $m.Value.ToLowerInvariant() }))
        New-Planted (Join-Path $temp '.opsrunbook-upload-0123.partial/upload.tar') $utf8.GetBytes("tar $Secret")
        New-Planted (Join-Path $docker 'containers/abc123/abc123-json.log') $utf8.GetBytes("{`"log`":`"$Other\n`"}")
    ) | Sort-Object
    $null = New-Planted (Join-Path $results 'clean.txt') $utf8.GetBytes('nothing to see')
    $null = New-Planted (Join-Path $temp 'another-tool/config') $utf8.GetBytes("password=$Secret")
    $null = New-Planted (Join-Path $docker 'containers/abc123/config.v2.json') $utf8.GetBytes("{`"Env`":[`"TOKEN=$Other`"]}")

    $script:Found = @(Find-TestBedLeak -Path $results -Secret $Secret, $Other -TemporaryFolder $temp -DockerRoot $docker)
}

Describe 'The password sweep' {
    It 'finds each planted leak, in each form and place, and names which secret by its number' {
        ($Found.Path | Sort-Object) | Should -Be $Expected
        ($Found | Where-Object Path -like '*-json.log').Secrets | Should -Be '#2'
        ($Found | Where-Object Path -like '*utf16.txt').Secrets | Should -Be '#1'
    }

    It 'says where, never what' {
        $text = $Found | Out-String -Width 300
        $text.Contains($Secret) | Should -BeFalse
        $text.Contains($Other) | Should -BeFalse
    }

    It 'finds nothing where nothing leaked' {
        @(Find-TestBedLeak -Path (Join-Path $TestDrive 'results/clean.txt' | Split-Path) -Secret 'not-planted-anywhere-42').Count | Should -Be 0
    }
}

Describe 'The sweep of TestDrive before Pester removes it' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1')
        $script:LeakList = $env:OPSRUNBOOK_TEST_TESTDRIVE_LEAKS
    }

    Context 'a block that leaves the bed password in TestDrive' {
        It 'writes it in base64 to a dot-file, and to a declared fixture and a copy of that' {
            $LeakList | Should -Not -BeNullOrEmpty -Because 'Invoke-PesterSuite.ps1 installs the sweep'
            $script:Planted = Join-Path $TestDrive ".hidden/planted-$([guid]::NewGuid().ToString('N')).txt"
            $null = New-Item -ItemType Directory -Force (Split-Path $Planted)
            Set-Content $Planted ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($env:OPSRUNBOOK_TEST_PASSWORD)))
            $script:Fixture = Join-Path $TestDrive 'redis.conf'
            Set-Content $Fixture "requirepass $env:OPSRUNBOOK_TEST_PASSWORD"
            Register-TestSecretFixture $Fixture
            $script:Copy = Join-Path $TestDrive 'point/redis.conf'
            $null = New-Item -ItemType Directory -Force (Split-Path $Copy)
            Copy-Item $Fixture $Copy
        }
    }

    It 'finds the planted file when the block ends, and neither the fixture nor its copy' {
        $lines = @(Get-Content $LeakList -ErrorAction Ignore)
        @($lines | Where-Object { $_.StartsWith("$Planted`t") }).Count | Should -Be 1
        @($lines | Where-Object { $_.StartsWith("$Fixture`t") -or $_.StartsWith("$Copy`t") }).Count | Should -Be 0
        # The leak was this test's own doing: take its line back so that the run's count holds only real ones.
        Set-Content $LeakList @($lines | Where-Object { -not $_.StartsWith("$Planted`t") })
    }
}
