using System;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Connections;
using Xunit;

namespace OpsRunbook.Tests.Connections
{
    public class RedisConnectionInfoTests
    {
        private static string Encoded(string text) => Uri.EscapeDataString(text);

        [Fact]
        public void Plain_url_gives_host_and_port()
        {
            var info = RedisConnectionInfo.Parse("redis://cache.internal:6380", null, Env.None);

            Assert.Equal(new[] { "cache.internal:6380" }, info.Endpoints);
            Assert.False(info.UseTls);
            Assert.Null(info.UserName);
            Assert.Null(info.CreateOptions().Password);
            Assert.Equal("redis://cache.internal:6380", info.DisplayTarget);
            Assert.Equal("cache.internal:6380", info.DefaultName);
        }

        [Fact]
        public void Url_without_port_uses_6379()
        {
            var info = RedisConnectionInfo.Parse("redis://127.0.0.1", null, Env.None);
            Assert.Equal(new[] { "127.0.0.1:6379" }, info.Endpoints);
        }

        [Fact]
        public void Rediss_url_means_tls()
        {
            var info = RedisConnectionInfo.Parse("rediss://cache.example.com:6380", null, Env.None);
            var options = info.CreateOptions();

            Assert.True(info.UseTls);
            Assert.True(options.Ssl);
            Assert.Equal("cache.example.com", options.SslHost);
            Assert.Equal("rediss://cache.example.com:6380", info.DisplayTarget);
        }

        [Fact]
        public void User_and_password_are_read_and_decoded()
        {
            const string password = "p@ss:w/rd%";
            var info = RedisConnectionInfo.Parse($"redis://worker:{Encoded(password)}@cache:6379", null, Env.None);

            Assert.Equal("worker", info.UserName);
            Assert.Equal(password, info.CreateOptions().Password);
            Assert.Equal("redis://worker@cache:6379", info.DisplayTarget);
        }

        [Fact]
        public void Empty_user_with_password_is_the_default_user()
        {
            var info = RedisConnectionInfo.Parse(TestBed.RedisUri, null, Env.None);

            Assert.Null(info.UserName);
            Assert.Equal(TestBed.Password, info.CreateOptions().Password);
            Assert.Equal($"redis://{TestBed.RedisHost}:{TestBed.RedisPort}", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
        }

        [Fact]
        public void Password_only_form_is_the_old_password_syntax()
        {
            var info = RedisConnectionInfo.Parse($"redis://{Encoded(TestBed.Password)}@cache:6379", null, Env.None);

            Assert.Null(info.UserName);
            Assert.Equal(TestBed.Password, info.CreateOptions().Password);
            Assert.Equal("redis://cache:6379", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
        }

        [Theory]
        [InlineData("redis://cache:6379/0", 0, "redis://cache:6379")]
        [InlineData("redis://cache:6379/3", 3, "redis://cache:6379/3")]
        [InlineData("rediss://u:pw@cache:6380/15", 15, "rediss://u@cache:6380/15")]
        public void Database_number_comes_from_the_path(string text, int database, string display)
        {
            var info = RedisConnectionInfo.Parse(text, null, Env.None);

            Assert.Equal(database, info.Database);
            Assert.Equal(display, info.DisplayTarget);
        }

        [Theory]
        [InlineData("cache")]
        [InlineData("-1")]
        [InlineData("1/2")]
        public void Bad_database_is_refused(string path)
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                RedisConnectionInfo.Parse($"redis://:{Encoded(TestBed.Password)}@cache:6379/{path}", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains("is not a database number", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData("?ssl=true")]
        [InlineData("?timeout=5&db=1")]
        public void Query_parameters_are_refused(string query)
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                RedisConnectionInfo.Parse($"redis://:{Encoded(TestBed.Password)}@cache:6379/0{query}", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains("query parameters are not supported", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Configuration_string_is_read()
        {
            var info = RedisConnectionInfo.Parse($"cache.internal:6380,password={TestBed.Password},ssl=true,defaultDatabase=2", null, Env.None);
            var options = info.CreateOptions();

            Assert.Equal(new[] { "cache.internal:6380" }, info.Endpoints);
            Assert.Equal(TestBed.Password, options.Password);
            Assert.True(info.UseTls);
            Assert.Equal(2, info.Database);
            Assert.Equal("rediss://cache.internal:6380/2", info.DisplayTarget);
            SecretAssert.Absent(info.DisplayTarget);
        }

        [Fact]
        public void Configuration_string_may_name_several_endpoints()
        {
            var info = RedisConnectionInfo.Parse("10.0.0.1:6379,10.0.0.2:6380,password=x", null, Env.None);

            Assert.Equal(new[] { "10.0.0.1:6379", "10.0.0.2:6380" }, info.Endpoints);
            Assert.Equal("10.0.0.1:6379,10.0.0.2:6380", info.DefaultName);
            Assert.Equal(new[] { 6379, 6380 }, info.HostEndpoints.Select(e => e.Port));
        }

        [Fact]
        public void Configuration_string_with_unknown_option_is_refused_without_the_password()
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                RedisConnectionInfo.Parse($"cache:6379,password={TestBed.Password},colour=blue", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains("cache:6379", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Configuration_string_without_host_is_refused_without_the_password()
        {
            var ex = Assert.Throws<OpsRunbookException>(() => RedisConnectionInfo.Parse($"password={TestBed.Password}", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains("names no host", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Fact]
        public void Redis_url_environment_variable_is_used_when_nothing_is_given()
        {
            var environment = Env.Of(("REDIS_URL", $"redis://:{Encoded(TestBed.Password)}@from-env:6390/1"));

            var info = RedisConnectionInfo.Parse(null, null, environment);

            Assert.Equal(new[] { "from-env:6390" }, info.Endpoints);
            Assert.Equal(1, info.Database);
            Assert.Equal(TestBed.Password, info.CreateOptions().Password);
            Assert.Equal("redis://from-env:6390/1", info.DisplayTarget);
        }

        [Fact]
        public void Redis_url_environment_variable_is_ignored_when_a_string_is_given()
        {
            var info = RedisConnectionInfo.Parse("redis://given:6379", null, Env.Of(("REDIS_URL", "redis://from-env:6390")));
            Assert.Equal(new[] { "given:6379" }, info.Endpoints);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("   ")]
        public void Missing_everything_is_connection_string_missing(string? text)
        {
            var ex = Assert.Throws<OpsRunbookException>(() => RedisConnectionInfo.Parse(text, null, Env.Of(("REDIS_URL", ""))));

            Assert.Equal("ConnectionStringMissing", ex.ErrorId);
            Assert.Equal(FailureCategory.InvalidArgument, ex.Category);
            Assert.Contains("REDIS_URL", ex.Message);
        }

        [Fact]
        public void Credential_overrides_user_and_password()
        {
            var info = RedisConnectionInfo.Parse("redis://old:oldpw@cache:6379", new NetworkCredential("opsrunbook", TestBed.Password), Env.None);

            Assert.Equal("opsrunbook", info.UserName);
            Assert.Equal(TestBed.Password, info.CreateOptions().Password);
            Assert.Equal("redis://opsrunbook@cache:6379", info.DisplayTarget);
        }

        [Fact]
        public void Credential_without_user_keeps_the_user_of_the_url()
        {
            var info = RedisConnectionInfo.Parse("redis://worker:oldpw@cache:6379", new NetworkCredential(string.Empty, "newpw"), Env.None);

            Assert.Equal("worker", info.UserName);
            Assert.Equal("newpw", info.CreateOptions().Password);
        }

        [Fact]
        public void Credential_without_password_keeps_the_password_of_the_url()
        {
            var info = RedisConnectionInfo.Parse("redis://:given@cache:6379", new NetworkCredential("opsrunbook", (string?)null), Env.None);

            Assert.Equal("opsrunbook", info.UserName);
            Assert.Equal("given", info.CreateOptions().Password);
        }

        [Fact]
        public void Password_only_form_never_shows_in_errors()
        {
            var ex = Assert.Throws<OpsRunbookException>(() =>
                RedisConnectionInfo.Parse($"redis://{Encoded(TestBed.Password)}@cache:6379/not-a-number", null, Env.None));

            Assert.Equal("InvalidConnectionString", ex.ErrorId);
            Assert.Contains("'redis://cache:6379/not-a-number'", ex.Message);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData("redis://:{0}@cache:6379")]
        [InlineData("redis://worker:{0}@cache:6379/2")]
        [InlineData("redis://{0}@cache:6379")]
        [InlineData("rediss://:{0}@cache:6380")]
        [InlineData("cache:6379,password={1}")]
        public void Display_target_never_holds_the_password(string format)
        {
            var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Encoded(TestBed.Password), TestBed.Password);

            var info = RedisConnectionInfo.Parse(text, null, Env.None);

            Assert.Equal(TestBed.Password, info.CreateOptions().Password);
            SecretAssert.Absent(info.DisplayTarget);
            SecretAssert.Absent(info.DefaultName);
            Assert.All(info.Endpoints, SecretAssert.Absent);
        }
    }
}
