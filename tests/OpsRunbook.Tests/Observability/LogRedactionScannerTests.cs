using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    public sealed class LogRedactionScannerTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("orb-redaction-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private static async Task<List<LogSecretFinding>> Scan(string path, IReadOnlyList<KnownSecret>? known = null, IReadOnlyList<Regex>? patterns = null)
        {
            var findings = new List<LogSecretFinding>();
            await new LogRedactionScanner(known ?? Array.Empty<KnownSecret>(), patterns ?? Array.Empty<Regex>())
                .ScanAsync(path, findings.Add, OperationReporter.None, CancellationToken.None);
            return findings;
        }

        [Fact]
        public async Task Finds_exactly_the_secrets_planted_in_the_generated_log_and_none_of_the_redacted_decoys()
        {
            var counts = AppLogCounts.Load();

            var findings = await Scan(TestBed.AppLog);

            Assert.Equal(counts.Secrets.Select(s => (s.Line, s.Kind)), findings.Select(f => (f.LineNumber, f.Kind.ToString())));
        }

        [Fact]
        public async Task Finds_the_value_of_an_environment_variable_in_every_form_and_shows_it_nowhere()
        {
            var password = TestBed.Password;
            var path = Path.Combine(_folder, "app.log");
            File.WriteAllLines(path, new[]
            {
                """{"level":"info","msg":"started"}""",
                $$"""{"level":"info","msg":"connecting as app with {{password}} now"}""",
                $$"""{"level":"info","dsn":"postgres://app:{{Uri.EscapeDataString(password)}}@db:5432/app"}""",
                $$"""{"level":"warn","msg":"login","password":"{{password}}"}""",
                """{"level":"info","password":"[REDACTED]","token":"***","Authorization":"Bearer [REDACTED]"}""",
            });
            var reporter = new RecordingReporter();

            var findings = new List<LogSecretFinding>();
            await new LogRedactionScanner(new[] { new KnownSecret("OPSRUNBOOK_TEST_PASSWORD", password) }, new[] { new Regex("started") })
                .ScanAsync(path, findings.Add, reporter, CancellationToken.None);

            Assert.Equal(new[] { (1L, SecretKind.Pattern), (2L, SecretKind.EnvironmentValue), (3L, SecretKind.EnvironmentValue), (4L, SecretKind.EnvironmentValue) },
                findings.Select(f => (f.LineNumber, f.Kind)));
            Assert.Equal("OPSRUNBOOK_TEST_PASSWORD", findings[1].Field);
            Assert.Equal(File.ReadLines(path).ElementAt(1).IndexOf(password, StringComparison.Ordinal) + 1, findings[1].Column);
            foreach (var finding in findings)
            {
                SecretAssert.Absent(finding.ToString());
                SecretAssert.Absent(JsonSerializer.Serialize(finding));
            }

            Assert.All(reporter.Verboses, SecretAssert.Absent);
        }

        [Theory]
        [InlineData("""{"api_key":"abc123def456"}""", SecretKind.ApiKey, "api_key")]
        [InlineData("""{"x-api-key": "abc123def456"}""", SecretKind.ApiKey, "x-api-key")]
        [InlineData("apiKey=abc123def456 user=bob", SecretKind.ApiKey, "apiKey")]
        [InlineData("""{"db_password":"hunter22"}""", SecretKind.Password, "db_password")]
        [InlineData("""{"client_secret":"cs_abcdef"}""", SecretKind.Secret, "client_secret")]
        [InlineData("""{"access_token":"tok_abcdef"}""", SecretKind.Secret, "access_token")]
        [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", SecretKind.BearerToken, "Bearer")]
        [InlineData("redis://:p4ssw0rd@cache:6379/0", SecretKind.ConnectionStringPassword, "redis://")]
        [InlineData("Host=db;Username=app;Password=p4ss;Database=app", SecretKind.Password, "Password")]
        [InlineData("using sk-ant-api03-abcdefghijklmnopqrstuvwxyz", SecretKind.ApiKey, "key format")]
        [InlineData("""{"msg":"alert sent","url":"https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/aBcDeFgHiJkLmNoPqRsTuVwX"}""", SecretKind.WebhookUrl, "Slack webhook")]
        [InlineData("session for eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk ok", SecretKind.Jwt, "JWT")]
        [InlineData("GET /admin Authorization: Basic YWRtaW46aHVudGVyMg==", SecretKind.BasicCredentials, "Basic")]
        [InlineData("-----BEGIN OPENSSH PRIVATE KEY-----", SecretKind.PrivateKey, "PEM")]
        public async Task Recognises_each_kind_of_secret(string line, SecretKind kind, string field)
        {
            var path = Path.Combine(_folder, "one.log");
            File.WriteAllText(path, line + "\n");

            var finding = Assert.Single(await Scan(path));

            Assert.Equal((kind, field), (finding.Kind, finding.Field));
        }

        [Theory]
        [InlineData("""{"password":"[REDACTED]"}""")]
        [InlineData("""{"api_key":"***"}""")]
        [InlineData("""{"password":null,"token":""}""")]
        [InlineData("""{"password_reset":true,"tokens":1500,"max_tokens":4096,"cache_key":"user:1"}""")]
        [InlineData("postgres://app:***@db/app")]
        [InlineData("password=${DB_PASSWORD}")]
        [InlineData("Authorization: Bearer <redacted>")]
        [InlineData("Basic authentication enabled for /admin")]
        [InlineData("-----BEGIN PUBLIC KEY-----")]
        [InlineData("https://hooks.slack.com/services/[REDACTED]")]
        public async Task Leaves_redacted_values_and_lookalikes_alone(string line)
        {
            var path = Path.Combine(_folder, "clean.log");
            File.WriteAllText(path, line + "\n");

            Assert.Empty(await Scan(path));
        }
    }
}
