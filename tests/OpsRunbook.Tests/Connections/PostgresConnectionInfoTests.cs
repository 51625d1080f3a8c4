using System;
using System.Net;
using Npgsql;
using OpsRunbook.Engine.Connections;
using Xunit;

namespace OpsRunbook.Tests.Connections
{
    public class PostgresConnectionInfoTests
    {
        private const string SpecialPassword = "p@ss:w/rd%";

        private static string Encoded(string text) => Uri.EscapeDataString(text);

        [Theory]
        [InlineData("postgres")]
        [InlineData("postgresql")]
        [InlineData("POSTGRESQL")]
        public void Uri_gives_user_password_host_port_and_database(string scheme)
        {
            var info = PostgresConnectionInfo.Parse(
                $"{scheme}://app:{Encoded(SpecialPassword)}@db.example.com:6543/orders", null, Env.None);

            Assert.Equal("app", info.UserName);
            Assert.Equal(SpecialPassword, info.CreateBuilder().Password);
            Assert.Equal("db.example.com", info.Host);
            Assert.Equal(6543, info.Port);
            Assert.Equal("orders", info.Database);
            Assert.Equal("postgres://app@db.example.com:6543/orders", info.DisplayTarget);
            Assert.Equal("db.example.com:6543/orders", info.DefaultName);
        }

        [Fact]
        public void Uri_decodes_user_and_database_names()
        {
            var info = PostgresConnectionInfo.Parse("postgres://ops%20user:x@db/my%2Ddb", null, Env.None);

            Assert.Equal("ops user", info.UserName);
            Assert.Equal("my-db", info.Database);
            Assert.Equal(5432, info.Port);
            Assert.Equal("postgres://ops%20user@db:5432/my-db", info.DisplayTarget);
        }

        [Fact]
        public void Uri_parameters_sslmode_connect_timeout_and_application_name_are_applied()
        {
            var info = PostgresConnectionInfo.Parse(
                "postgres://app@db:5433/orders?sslmode=verify-full&connect_timeout=7&application_name=nightly%20check", null, Env.None);
            var builder = info.CreateBuilder();

            Assert.Equal(SslMode.VerifyFull, builder.SslMode);
            Assert.Equal(7, builder.Timeout);
            Assert.Equal("nightly check", builder.ApplicationName);
            Assert.Equal(5433, info.Port);
        }

        [Theory]
        [InlineData("disable", SslMode.Disable)]
        [InlineData("allow", SslMode.Allow)]
        [InlineData("prefer", SslMode.Prefer)]
        [InlineData("REQUIRE", SslMode.Require)]
        [InlineData("verify-ca", SslMode.VerifyCA)]
        public void Uri_sslmode_words_map_to_npgsql(string word, SslMode expected)
        {
            var info = PostgresConnectionInfo.Parse($"postgres://db/app?sslmode={word}", null, Env.None);
            Assert.Equal(expected, info.CreateBuilder().SslMode);
        }

        [Theory]
        [InlineData("?target_session_attrs=any", "target_session_attrs")]
        [InlineData("?sslmode=require&bogus=1", "bogus")]
        public void Unknown_uri_parameter_is_refused_without_showing_the_password(string query, string parameter)
        {
            var text = $"postgres://app:{Encoded(TestBed.Password)}@db:5432/orders{query}";

            var ex = Assert.Throws<OpsRunbookException>(() => PostgresConnectionInfo.Parse(text, null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Contains($"'{parameter}'", ex.Message);
            Assert.Contains("postgres://app@db:5432/orders", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData("?sslmode=sometimes", "sslmode 'sometimes'")]
        [InlineData("?connect_timeout=soon", "connect_timeout 'soon'")]
        [InlineData("?connect_timeout=-1", "connect_timeout '-1'")]
        public void Bad_uri_parameter_values_are_refused(string query, string named)
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                PostgresConnectionInfo.Parse($"postgres://app:{Encoded(TestBed.Password)}@db/orders{query}", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains(named, ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Ipv6_host_is_bracketed_in_the_display_target()
        {
            var info = PostgresConnectionInfo.Parse("postgres://app:pw@[::1]:5433/orders", null, Env.None);

            Assert.Equal("::1", info.Host);
            Assert.Equal("postgres://app@[::1]:5433/orders", info.DisplayTarget);
        }

        [Fact]
        public void Npgsql_key_value_string_is_read()
        {
            var info = PostgresConnectionInfo.Parse(
                $"Host=db.internal;Port=6000;Username=app;Password={SpecialPassword};Database=orders;SSL Mode=Require", null, Env.None);

            Assert.Equal("db.internal", info.Host);
            Assert.Equal(6000, info.Port);
            Assert.Equal("app", info.UserName);
            Assert.Equal("orders", info.Database);
            Assert.Equal(SpecialPassword, info.CreateBuilder().Password);
            Assert.Equal(SslMode.Require, info.CreateBuilder().SslMode);
            Assert.Equal("postgres://app@db.internal:6000/orders", info.DisplayTarget);
        }

        [Theory]
        [InlineData("Host=db;Username=app;Password={0};Bogus=1", "bogus")]
        [InlineData("Host=db;Password={0};Colour=blue;Database=x", "colour")]
        public void Unknown_keyword_is_refused_and_the_password_never_appears(string format, string keyword)
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, TestBed.Password);

            var ex = Assert.Throws<OpsRunbookException>(() => PostgresConnectionInfo.Parse(text, null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains(keyword, ex.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(TestBed.Password, ex.ToString());
            Assert.DoesNotContain(TestBed.Password, ex.TargetObject?.ToString() ?? string.Empty);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Pg_environment_fills_in_everything_when_no_string_is_given()
        {
            var environment = Env.Of(("PGHOST", "pg.example.net"), ("PGPORT", "6432"), ("PGUSER", "envuser"),
                ("PGPASSWORD", TestBed.Password), ("PGDATABASE", "envdb"));

            var info = PostgresConnectionInfo.Parse(null, null, environment);

            Assert.Equal("pg.example.net", info.Host);
            Assert.Equal(6432, info.Port);
            Assert.Equal("envuser", info.UserName);
            Assert.Equal("envdb", info.Database);
            Assert.Equal(TestBed.Password, info.CreateBuilder().Password);
            Assert.Equal("postgres://envuser@pg.example.net:6432/envdb", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
        }

        [Fact]
        public void Without_string_or_environment_the_host_is_localhost_on_5432()
        {
            var info = PostgresConnectionInfo.Parse("  ", null, Env.None);

            Assert.Equal("localhost", info.Host);
            Assert.Equal(5432, info.Port);
            Assert.Null(info.UserName);
            Assert.Null(info.Database);
        }

        [Fact]
        public void Pg_environment_never_overrides_what_the_string_gives()
        {
            var environment = Env.Of(("PGHOST", "env-host"), ("PGPORT", "7000"), ("PGUSER", "envuser"),
                ("PGPASSWORD", "env-password"), ("PGDATABASE", "envdb"));

            var info = PostgresConnectionInfo.Parse("postgres://app:given@db:6000/orders", null, environment);

            Assert.Equal("db", info.Host);
            Assert.Equal(6000, info.Port);
            Assert.Equal("app", info.UserName);
            Assert.Equal("orders", info.Database);
            Assert.Equal("given", info.CreateBuilder().Password);
        }

        [Fact]
        public void Pg_environment_fills_only_the_gaps_of_the_string()
        {
            var environment = Env.Of(("PGHOST", "env-host"), ("PGUSER", "envuser"), ("PGPASSWORD", "env-password"), ("PGDATABASE", "envdb"));

            var info = PostgresConnectionInfo.Parse("Host=db;Database=orders", null, environment);

            Assert.Equal("db", info.Host);
            Assert.Equal("orders", info.Database);
            Assert.Equal("envuser", info.UserName);
            Assert.Equal("env-password", info.CreateBuilder().Password);
        }

        [Theory]
        [InlineData("postgres://db/orders", 7000)]
        [InlineData("postgres://db:6000/orders", 6000)]
        [InlineData("postgres://db:5432/orders", 5432)]
        [InlineData("Host=db;Database=orders", 7000)]
        [InlineData("Host=db;Port=6000;Database=orders", 6000)]
        [InlineData("Host=db; port = 5432", 5432)]
        public void Pgport_applies_only_when_the_string_gives_no_port(string text, int expected)
        {
            var info = PostgresConnectionInfo.Parse(text, null, Env.Of(("PGPORT", "7000")));
            Assert.Equal(expected, info.Port);
        }

        [Theory]
        [InlineData("five")]
        [InlineData("0")]
        [InlineData("65536")]
        [InlineData("-1")]
        public void Invalid_pgport_is_refused_when_it_is_used(string pgport)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => PostgresConnectionInfo.Parse("postgres://db/orders", null, Env.Of(("PGPORT", pgport))));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains($"PGPORT '{pgport}'", ex.Message);
            Assert.Equal("PGPORT", ex.TargetObject);
        }

        [Fact]
        public void Invalid_pgport_is_ignored_when_the_string_gives_a_port()
        {
            var info = PostgresConnectionInfo.Parse("Host=db;Port=6000", null, Env.Of(("PGPORT", "five")));
            Assert.Equal(6000, info.Port);
        }

        [Fact]
        public void Credential_overrides_user_and_password_of_string_and_environment()
        {
            var environment = Env.Of(("PGUSER", "envuser"), ("PGPASSWORD", "env-password"));
            var credential = new NetworkCredential("creduser", TestBed.Password);

            var fromUri = PostgresConnectionInfo.Parse("postgres://app:given@db/orders", credential, environment);
            var fromEnv = PostgresConnectionInfo.Parse("postgres://db/orders", credential, environment);

            Assert.Equal("creduser", fromUri.UserName);
            Assert.Equal(TestBed.Password, fromUri.CreateBuilder().Password);
            Assert.Equal("creduser", fromEnv.UserName);
            Assert.Equal(TestBed.Password, fromEnv.CreateBuilder().Password);
            SecretAssert.Absent(fromUri.DisplayTarget);
        }

        [Fact]
        public void Credential_without_user_name_keeps_the_user_of_the_string()
        {
            var info = PostgresConnectionInfo.Parse("Host=db;Username=app;Password=old", new NetworkCredential(string.Empty, "new"), Env.None);

            Assert.Equal("app", info.UserName);
            Assert.Equal("new", info.CreateBuilder().Password);
        }

        [Fact]
        public void Credential_without_password_keeps_the_password_of_the_string_or_environment()
        {
            // An inventory's UserName without PasswordVariable arrives as a credential without a password.
            var fromEnv = PostgresConnectionInfo.Parse("postgres://db/orders", new NetworkCredential("app", (string?)null), Env.Of(("PGPASSWORD", "env-password")));
            var fromString = PostgresConnectionInfo.Parse("Host=db;Username=other;Password=given", new NetworkCredential("app", string.Empty), Env.None);

            Assert.Equal("app", fromEnv.UserName);
            Assert.Equal("env-password", fromEnv.CreateBuilder().Password);
            Assert.Equal("app", fromString.UserName);
            Assert.Equal("given", fromString.CreateBuilder().Password);
        }

        [Theory]
        [InlineData("postgres://app:{0}@db:5432/orders")]
        [InlineData("postgresql://app:{0}@db/orders?sslmode=disable")]
        [InlineData("Host=db;Username=app;Password={1};Database=orders")]
        [InlineData("Server=db;User ID=app;PWD={1}")]
        public void Display_target_never_holds_the_password(string format)
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Encoded(TestBed.Password), TestBed.Password);

            var info = PostgresConnectionInfo.Parse(text, null, Env.None);

            Assert.Equal(TestBed.Password, info.CreateBuilder().Password);
            Assert.StartsWith("postgres://app@db:", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
            SecretAssert.Absent(info.DefaultName);
        }

        [Fact]
        public void Display_target_holds_no_password_that_came_from_the_environment_or_a_credential()
        {
            var info = PostgresConnectionInfo.Parse(null, new NetworkCredential("app", TestBed.Password),
                Env.Of(("PGHOST", "db"), ("PGPASSWORD", "ignored")));

            Assert.Equal("postgres://app@db:5432", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
        }

        [Fact]
        public void Uri_without_host_is_refused()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => PostgresConnectionInfo.Parse("postgres:///orders", null, Env.None));
            Assert.Equal("InvalidConnectionString", ex.ErrorId);
        }
    }
}
