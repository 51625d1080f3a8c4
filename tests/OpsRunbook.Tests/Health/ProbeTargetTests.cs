using System;
using System.Net;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    public class ProbeTargetTests
    {
        private static string Pw => Uri.EscapeDataString(TestBed.Password);

        [Theory]
        [InlineData("http://api:8000/health/ready", ServiceKind.Http)]
        [InlineData("https://api.example.com/health", ServiceKind.Http)]
        [InlineData("HTTPS://api.example.com/health", ServiceKind.Http)]
        [InlineData("tcp://db:5432", ServiceKind.Tcp)]
        [InlineData("tls://api.example.com:443", ServiceKind.Tls)]
        [InlineData("postgres://app@db/app", ServiceKind.Postgres)]
        [InlineData("postgresql://app@db/app", ServiceKind.Postgres)]
        [InlineData("redis://cache:6379", ServiceKind.Redis)]
        [InlineData("rediss://cache:6380", ServiceKind.Redis)]
        [InlineData("Redis://cache", ServiceKind.Redis)]
        [InlineData("Host=db;Username=app;Database=app", ServiceKind.Postgres)]
        [InlineData("Server=db;Port=5432", ServiceKind.Postgres)]
        [InlineData("Port=5432; host=db", ServiceKind.Postgres)]
        public void Kind_comes_from_the_scheme(string text, ServiceKind expected)
        {
            Assert.Equal(expected, ProbeTarget.KindFromScheme(text));
            Assert.Equal(expected, ProbeTarget.Create(new ProbeDefinition(text), Env.None).Kind);
        }

        [Theory]
        [InlineData("host:1234")]
        [InlineData("db.internal")]
        [InlineData("")]
        [InlineData("Database=app")]
        public void Target_without_scheme_needs_a_kind(string text)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition(text), Env.None));

            Assert.Equal("ServiceKindRequired", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Contains("-Kind", ex.RecommendedAction);
        }

        [Fact]
        public void Kind_required_error_shows_no_password()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition($"cache:6379,password={TestBed.Password}"), Env.None));

            Assert.Equal("ServiceKindRequired", ex.ErrorId);
            Assert.Contains("cache:6379", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Host_and_port_with_a_kind_is_enough()
        {
            var target = ProbeTarget.Create(new ProbeDefinition("cache:6379") { Kind = ServiceKind.Redis }, Env.None);

            Assert.Equal(ServiceKind.Redis, target.Kind);
            Assert.Equal("redis://cache:6379", target.DisplayTarget);
        }

        [Theory]
        [InlineData("ftp://files.example.com/x", "ftp")]
        [InlineData("mysql://db:3306", "mysql")]
        [InlineData("amqp://rabbit:5672", "amqp")]
        public void Unsupported_scheme_is_invalid_uri(string text, string scheme)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition(text), Env.None));

            Assert.Equal("InvalidUri", ex.ErrorId);
            Assert.Contains($"the scheme '{scheme}' is not one of", ex.Message);
        }

        [Fact]
        public void Unsupported_scheme_error_shows_no_password()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition($"mysql://root:{Pw}@db:3306"), Env.None));

            Assert.Equal("InvalidUri", ex.ErrorId);
            Assert.Contains("mysql://root@db:3306", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData("tcp://db:5432")]
        [InlineData("redis://cache:6379")]
        [InlineData("api:8000/health")]
        [InlineData("/health/ready")]
        public void Http_kind_needs_an_http_uri(string text)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition(text) { Kind = ServiceKind.Http }, Env.None));

            Assert.Equal("InvalidUri", ex.ErrorId);
            Assert.Contains("http:// or https://", ex.Message);
        }

        [Theory]
        [InlineData("tcp://db", ServiceKind.Tcp)]
        [InlineData("tcp://db/", ServiceKind.Tcp)]
        [InlineData("", ServiceKind.Tcp)]
        [InlineData("", ServiceKind.Tls)]
        [InlineData("db:5432", ServiceKind.Tcp)]
        public void Tcp_and_tls_need_a_host_and_port(string text, ServiceKind kind)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => ProbeTarget.Create(new ProbeDefinition(text) { Kind = kind }, Env.None));
            Assert.Equal("InvalidUri", ex.ErrorId);
        }

        [Theory]
        [InlineData("http://api.example.com:8000/health/ready", "api.example.com:8000")]
        [InlineData("https://api.example.com/health", "api.example.com")]
        [InlineData("postgres://app@db:5433/orders", "db:5433/orders")]
        [InlineData("postgres://app@db", "db:5432")]
        [InlineData("redis://cache:6380/2", "cache:6380")]
        [InlineData("tcp://db:5432", "db:5432")]
        [InlineData("tcp://[::1]:5432", "[::1]:5432")]
        [InlineData("tls://api.example.com", "api.example.com:443")]
        [InlineData("tls://api.example.com:8443", "api.example.com:8443")]
        public void Default_names(string text, string name)
        {
            Assert.Equal(name, ProbeTarget.Create(new ProbeDefinition(text), Env.None).Name);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("  ")]
        public void Blank_name_gives_the_default_name(string? name)
        {
            Assert.Equal("db:5432", ProbeTarget.Create(new ProbeDefinition("tcp://db:5432") { Name = name }, Env.None).Name);
        }

        [Fact]
        public void Given_name_tags_dependencies_and_timeout_are_kept()
        {
            var target = ProbeTarget.Create(new ProbeDefinition("  tcp://db:5432  ")
            {
                Name = "orders-db",
                DependsOn = new[] { "network" },
                Tags = new[] { "data", "critical" },
                Timeout = TimeSpan.FromSeconds(3),
            }, Env.None);

            Assert.Equal("orders-db", target.Name);
            Assert.Equal(new[] { "network" }, target.DependsOn);
            Assert.Equal(new[] { "data", "critical" }, target.Tags);
            Assert.Equal(TimeSpan.FromSeconds(3), target.Timeout);
            Assert.Equal("orders-db (Tcp tcp://db:5432)", target.ToString());
        }

        [Theory]
        [InlineData("http://probe:{0}@api:8000/health", ServiceKind.Http, "http://api:8000/health")]
        [InlineData("postgres://app:{0}@db:5432/orders", ServiceKind.Postgres, "postgres://app@db:5432/orders")]
        [InlineData("Host=db;Username=app;Password={1};Database=orders", ServiceKind.Postgres, "postgres://app@db:5432/orders")]
        [InlineData("redis://:{0}@cache:6379", ServiceKind.Redis, "redis://cache:6379")]
        [InlineData("redis://opsrunbook:{0}@cache:6379/1", ServiceKind.Redis, "redis://opsrunbook@cache:6379/1")]
        [InlineData("redis://{0}@cache:6379", ServiceKind.Redis, "redis://cache:6379")]
        [InlineData("cache:6379,password={1}", ServiceKind.Redis, "redis://cache:6379")]
        [InlineData("tcp://db:5432", ServiceKind.Tcp, "tcp://db:5432")]
        [InlineData("tls://api:443", ServiceKind.Tls, "tls://api:443")]
        public void Display_target_of_every_kind_has_no_password(string format, ServiceKind kind, string display)
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Pw, TestBed.Password);
            var definition = new ProbeDefinition(text) { Kind = kind };

            var target = ProbeTarget.Create(definition, Env.None);

            Assert.Equal(kind, target.Kind);
            Assert.Equal(display, target.DisplayTarget);
            SecretAssert.Absent(target.DisplayTarget);
            SecretAssert.Absent(target.Name);
            SecretAssert.Absent(target.ToString());
            SecretAssert.Absent(definition.ToString());
        }

        [Fact]
        public void Credential_password_is_never_shown()
        {
            var target = ProbeTarget.Create(new ProbeDefinition("postgres://db/orders") { Credential = new NetworkCredential("app", TestBed.Password) }, Env.None);

            Assert.Equal("postgres://app@db:5432/orders", target.DisplayTarget);
            SecretAssert.Absent(target.ToString());
            Assert.Contains(TestBed.Password, target.Probe.Secrets);
        }

        [Fact]
        public void Invalid_connection_string_is_reported_with_its_id()
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                ProbeTarget.Create(new ProbeDefinition($"postgres://app:{Pw}@db/orders?bogus=1"), Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            SecretAssert.Absent(ex);
        }
    }
}
