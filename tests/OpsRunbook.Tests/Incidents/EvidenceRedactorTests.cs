using System;
using OpsRunbook.Engine.Incidents.Evidence;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>Secrets the redactor was not told about: each form is caught by what it looks like.</summary>
    public sealed class EvidenceRedactorTests
    {
        private static readonly EvidenceRedactor Unknowing = new(Array.Empty<string>());

        [Theory]
        [InlineData("DATABASE_URL=postgres://app:{0}@db:5432/app", "postgres://app:[REDACTED]@db:5432/app")]
        [InlineData("redis://:{0}@cache:6379/0", "redis://:[REDACTED]@cache:6379/0")]
        [InlineData("Host=db;Username=app;Password={0};Database=app", "Password=[REDACTED];Database=app")]
        [InlineData("level=error msg=\"login failed\" password={0} user=bob", "password=[REDACTED] user=bob")]
        [InlineData("{{\"event\":\"config\",\"db_password\":\"{0}\",\"port\":5432}}", "\"db_password\":\"[REDACTED]\"")]
        [InlineData("ANTHROPIC_API_KEY={0}", "ANTHROPIC_API_KEY=[REDACTED]")]
        [InlineData("api-key: {0}", "api-key: [REDACTED]")]
        [InlineData("Authorization: Bearer {0}", "Authorization: Bearer [REDACTED]")]
        [InlineData("curl -H 'Authorization: Basic {0}' http://x", "Authorization: Basic [REDACTED]")]
        [InlineData("ALTER ROLE app PASSWORD '{0}'", "PASSWORD '[REDACTED]'")]
        [InlineData("LOG_HTTP_AUTH_HEADER=Bearer {0}", "LOG_HTTP_AUTH_HEADER=Bearer [REDACTED]")]
        [InlineData("TELEGRAM_BOT_TOKEN=bot123456:{0}", "TELEGRAM_BOT_TOKEN=[REDACTED]")]
        [InlineData("client_secret: '{0}'", "client_secret: [REDACTED]")]
        public void Masks_a_secret_it_was_not_told_about(string template, string expected)
        {
            var secret = TestBed.Password;
            var (text, count) = Unknowing.Redact(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, secret));

            Assert.Contains(expected, text, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
            Assert.True(count >= 1);
        }

        [Fact]
        public void Masks_slack_webhooks_private_keys_and_keys_of_well_known_formats()
        {
            var (text, count) = Unknowing.Redact(
                "hook https://hooks.slack.com/services/T0001/B0002/abcdefSECRET\n" +
                "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n" +
                "key AKIAIOSFODNN7EXAMPLE\n" +
                "provider sk-ant-api03-abcdefghijklmnopqrstuvwx and ghp_abcdefghijklmnopqrstuvwxyz0123456789 and xoxb-1234567890-abcdef\n");

            Assert.DoesNotContain("abcdefSECRET", text, StringComparison.Ordinal);
            Assert.DoesNotContain("MIIEpAIBAAKCAQEA", text, StringComparison.Ordinal);
            Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", text, StringComparison.Ordinal);
            Assert.DoesNotContain("abcdefghijklmnopqrstuvwx", text, StringComparison.Ordinal);
            Assert.DoesNotContain("xoxb-1234567890", text, StringComparison.Ordinal);
            Assert.Equal(6, count);
        }

        [Fact]
        public void Masks_known_secrets_wherever_they_are_in_any_form()
        {
            var redactor = new EvidenceRedactor(new[] { TestBed.Password, null, "ab" });
            var (text, count) = redactor.Redact($"free text {TestBed.Password} and encoded {Uri.EscapeDataString(TestBed.Password + "/")} end");

            Assert.DoesNotContain(TestBed.Password, text, StringComparison.Ordinal);
            Assert.Equal(2, count);
            Assert.Contains("free text [REDACTED] and", text, StringComparison.Ordinal);
        }

        [Fact]
        public void Leaves_ordinary_text_alone_and_counts_nothing()
        {
            const string text = "{\"status\":\"ready\",\"checks\":{\"postgresql\":{\"status\":\"ok\",\"latency_ms\":1.5}},\"author\":\"ops\"} password reset requested for user 42";
            var (redacted, count) = Unknowing.Redact(text);

            Assert.Equal(text, redacted);
            Assert.Equal(0, count);
        }

        [Theory]
        [MemberData(nameof(Connections.HostilePasswordTests.Each), MemberType = typeof(Connections.HostilePasswordTests))]
        public void Masks_the_whole_password_of_a_url_whatever_it_holds(Connections.HostilePasswordTests.HostilePassword hostile)
        {
            var password = hostile.Value;
            // Written into URLs as people write them: raw (as far as the URL stays one word) and percent-encoded.
            var raw = password.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("'", string.Empty, StringComparison.Ordinal).Replace("\"", string.Empty, StringComparison.Ordinal);
            var text = $"started with redis://:{raw}@cache:6379/0 and DATABASE_URL=postgres://app:{Uri.EscapeDataString(password)}@db:5432/app done";

            var (masked, count) = Unknowing.Redact(text);

            Assert.Equal("started with redis://:[REDACTED]@cache:6379/0 and DATABASE_URL=postgres://app:[REDACTED]@db:5432/app done", masked);
            Assert.Equal(2, count);
        }

        [Fact]
        public void Masks_a_jwt_and_a_slack_webhook_wherever_they_stand()
        {
            var (masked, _) = Unknowing.Redact("session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk posted to https://hooks.slack.com/services/T0A1B2C3D/B0E4F5G6H/aBcDeFgHiJkLmNoPqRsTuVwX");

            Assert.Equal("session [REDACTED] posted to https://hooks.slack.com/services/[REDACTED]", masked);
        }
    }
}
