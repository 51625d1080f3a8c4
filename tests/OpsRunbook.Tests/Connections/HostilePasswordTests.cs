using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using Xunit;

namespace OpsRunbook.Tests.Connections
{
    /// <summary>
    /// Passwords a password manager generates: every printable character URIs and connection strings give a meaning
    /// to, spaces and non-ASCII. Each works in every form that can hold it, and none is shown, whole or in part,
    /// where the text could not be parsed.
    /// </summary>
    public sealed class HostilePasswordTests
    {
        /// <summary>
        /// The set every suite uses (tests/testbed/hostile-passwords.json): these tests, the Pester suite against the real
        /// servers, and the password sweep of the test command.
        /// </summary>
        public static readonly HostilePassword[] Passwords = System.Text.Json.JsonSerializer.Deserialize<HostilePassword[]>(
            System.IO.File.ReadAllText(System.IO.Path.Combine(AppContext.BaseDirectory, "hostile-passwords.json")),
            new System.Text.Json.JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

        /// <summary>Each password as theory data; tests name it by its label, so no test name or log carries it.</summary>
        public static IEnumerable<object[]> Each() => Passwords.Select(p => new object[] { p });

        [Theory]
        [MemberData(nameof(Each))]
        public void A_percent_encoded_postgres_uri_carries_it_and_shows_none_of_it(HostilePassword hostile)
        {
            var password = hostile.Value;
            var uri = $"postgres://app:{Uri.EscapeDataString(password)}@db.internal:5433/orders";

            var connection = PostgresConnectionInfo.Parse(uri, null, Env.None);

            Assert.Equal(password, connection.CreateBuilder().Password);
            Assert.Equal("postgres://app@db.internal:5433/orders", connection.DisplayTarget);
            Assert.Equal("db.internal", connection.Host);
            Assert.Equal("orders", connection.Database);
        }

        [Theory]
        [MemberData(nameof(Each))]
        public void An_npgsql_string_carries_it_quoted(HostilePassword hostile)
        {
            var password = hostile.Value;
            var text = $"Host=db;Username=app;Password='{password.Replace("'", "''")}';Database=orders";

            var connection = PostgresConnectionInfo.Parse(text, null, Env.None);

            Assert.Equal(password, connection.CreateBuilder().Password);
            Assert.DoesNotContain(password, connection.DisplayTarget);
        }

        [Theory]
        [MemberData(nameof(Each))]
        public void A_credential_and_a_redis_url_carry_it(HostilePassword hostile)
        {
            var password = hostile.Value;
            var byCredential = RedisConnectionInfo.Parse("redis://cache:6379", new NetworkCredential("worker", password), Env.None);
            var byUrl = RedisConnectionInfo.Parse($"redis://worker:{Uri.EscapeDataString(password)}@cache:6379/2", null, Env.None);

            Assert.Equal(password, byCredential.CreateOptions().Password);
            Assert.Equal(password, byUrl.CreateOptions().Password);
            Assert.Equal("redis://worker@cache:6379/2", byUrl.DisplayTarget);
        }

        [Theory]
        [MemberData(nameof(Each))]
        public void Written_into_a_uri_without_encoding_it_is_refused_and_no_part_of_it_is_shown(HostilePassword hostile)
        {
            var password = hostile.Value;
            // As the issue's user typed it: a URI that cannot be parsed, or one whose parts would be read wrongly.
            var text = $"postgres://postgres:{password}@127.0.0.1:5432/postgres";

            var shown = ConnectionStringText.WithoutSecrets(text);
            var ex = Record.Exception(() => PostgresConnectionInfo.Parse(text, null, Env.None));

            Assert.Equal("postgres://postgres@127.0.0.1:5432/postgres", shown);
            if (ex is OpsRunbookException refused)
            {
                Assert.Equal("InvalidConnectionString", refused.ErrorId);
                AssertNoPart(password, refused.Message + refused.TargetObject + refused.RecommendedAction);
            }
            else
            {
                // Parsed: then exactly, never with a piece of the password taken for the host or database.
                var connection = PostgresConnectionInfo.Parse(text, null, Env.None);
                Assert.Equal("127.0.0.1", connection.Host);
                Assert.Equal("postgres", connection.Database);
            }

            Assert.Contains(password, ConnectionStringText.SecretsIn(text));
        }

        [Theory]
        [InlineData("redis://:{0}@cache:6379/1", "redis://@cache:6379/1")]
        [InlineData("redis://{0}@cache:6379", "redis://cache:6379")]
        [InlineData("http://probe:{0}@127.0.0.1:8080/health", "http://probe@127.0.0.1:8080/health")]
        public void Other_schemes_lose_the_whole_password_too(string format, string expected)
        {
            // In Redis's password-only form a ':' would make the password's start a user name: that reading is as good.
            foreach (var password in Passwords.Select(p => p.Value).Where(p => !format.StartsWith("redis://{0}", StringComparison.Ordinal) || !p.Contains(':')))
            {
                Assert.Equal(expected, ConnectionStringText.WithoutSecrets(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, password)));
            }
        }

        [Fact]
        public void A_query_with_an_at_sign_is_no_password()
        {
            const string url = "http://127.0.0.1:8080/health?email=ops@example.test";

            Assert.Equal(url, ConnectionStringText.WithoutSecrets(url));
            Assert.Empty(ConnectionStringText.SecretsIn(url));
        }

        [Theory]
        [InlineData("postgres", "Cannot connect to postgres://postgres@db:5432/postgres: the password postgres was refused.", "the password *** was refused")]
        [InlineData("e", "connection refused by the server", "connection refused by the server")]
        [InlineData("e", "stderr: e", "stderr: ***")]
        [InlineData("s3cr3t", "psql: password s3cr3t; x-s3cr3t-y; as3cr3tb", "password ***; x-***-y; as3cr3tb")]
        public void The_last_line_of_defence_masks_whole_occurrences_only(string secret, string text, string expected)
        {
            // It runs over what drivers and programs say, never over what the engine composed (the target above is
            // its own, and shows the user and scheme): a common word stays a word, and one letter shows nothing.
            Assert.Contains(expected, SecretRedactor.Redact(text, new[] { secret }));
        }

        [Fact]
        public void Http_targets_show_their_credential_parameters_masked()
        {
            Assert.Equal("https://api.internal/health?token=***&verbose=1&sig=***",
                ConnectionStringText.WithoutQuerySecrets("https://api.internal/health?token=abc123def&verbose=1&sig=ZXhhbXBsZQ%3D%3D"));
            Assert.Contains("ZXhhbXBsZQ==", ConnectionStringText.QuerySecretsIn("https://api.internal/health?sig=ZXhhbXBsZQ%3D%3D"));
        }

        /// <summary>One hostile password, shown by its label: test names and logs never carry the password itself.</summary>
        public sealed record HostilePassword(string Label, string Password)
        {
            public string Value => Password;

            public override string ToString() => Label;
        }

        /// <summary>No piece of the password of 4 characters or more appears.</summary>
        internal static void AssertNoPart(string password, string text)
        {
            for (var length = Math.Min(4, password.Length); length <= password.Length; length++)
            {
                for (var start = 0; start + length <= password.Length; start++)
                {
                    var piece = password.Substring(start, length);
                    if (piece.Trim().Length >= 4 && piece.Any(char.IsLetterOrDigit))
                    {
                        Assert.False(text.Contains(piece, StringComparison.Ordinal), $"'{text}' shows a piece of the password");
                    }
                }
            }
        }
    }
}
