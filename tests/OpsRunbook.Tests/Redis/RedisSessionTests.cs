using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>The connection layer the Redis cmdlets share with Get-ServiceHealth's probe, against the test bed's server.</summary>
    public class RedisSessionTests
    {
        private static string Authority => $"{TestBed.RedisHost}:{TestBed.RedisPort}";

        private static Task<RedisSession> Open(string text, TimeSpan? timeout = null) =>
            RedisSession.OpenAsync(RedisConnectionInfo.Parse(text, null, Env.None), timeout ?? TimeSpan.FromSeconds(5), OperationReporter.None, CancellationToken.None);

        [Fact]
        public async Task Connects_with_the_password_and_with_the_acl_user()
        {
            using var plain = await Open(TestBed.RedisUri);
            using var acl = await Open($"redis://opsrunbook:{Uri.EscapeDataString(TestBed.Password)}@{Authority}");
            using var configuration = await Open($"{Authority},password={TestBed.Password}");

            Assert.Single(plain.Primaries);
            Assert.Single(acl.Primaries);
            Assert.Single(configuration.Primaries);
            Assert.Equal($"redis://opsrunbook@{Authority}", acl.DisplayTarget);
        }

        [Theory]
        [InlineData("")]
        [InlineData("opsrunbook")]
        public async Task Wrong_password_is_one_clear_error_without_the_password(string user)
        {
            var wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..10];

            var ex = await Assert.ThrowsAsync<RedisConnectException>(() => Open($"redis://{user}:{wrong}@{Authority}"));

            Assert.Equal("RedisAuthenticationFailed", ex.ErrorId);
            Assert.Equal(FailureCategory.AuthenticationError, ex.Category);
            Assert.StartsWith($"Cannot connect to Redis at redis://{(user.Length > 0 ? user + "@" : string.Empty)}{Authority}: authentication failed", ex.Message);
            Assert.DoesNotContain(wrong, ex.ToString());
            Assert.DoesNotContain(wrong, ex.TargetObject?.ToString());
            SecretAssert.Absent(ex);
        }

        [Fact]
        public async Task No_password_says_the_server_needs_one()
        {
            var ex = await Assert.ThrowsAsync<RedisConnectException>(() => Open($"redis://{Authority}"));

            Assert.Equal("RedisPasswordRequired", ex.ErrorId);
            Assert.Contains("requires a password", ex.Message);
        }

        [Fact]
        public async Task Closed_port_is_refused_at_once()
        {
            var clock = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RedisConnectException>(() => Open($"redis://:{Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}"));

            Assert.Equal("RedisConnectionFailed", ex.ErrorId);
            Assert.Equal("connection refused", ex.Reason);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed} of a 5 s timeout");
            SecretAssert.Absent(ex);
        }

        [Fact]
        public async Task Names_the_endpoint_that_refuses_among_several()
        {
            var closed = TestBed.ClosedPort();

            var ex = await Assert.ThrowsAsync<RedisConnectException>(() => Open($"{Authority},127.0.0.1:{closed},password={TestBed.Password}"));

            Assert.Equal("RedisConnectionFailed", ex.ErrorId);
            Assert.Equal($"connection refused (127.0.0.1:{closed})", ex.Reason);
            SecretAssert.Absent(ex);
        }

        [Theory]
        [InlineData(16, "has 16 databases, 0 to 15")]
        [InlineData(-1, "0 or more")]
        public async Task Database_out_of_range_is_named(int database, string reason)
        {
            using var session = await Open(TestBed.RedisUri);

            var ex = Assert.Throws<OpsRunbookException>(() => session.ResolveDatabase(database));

            Assert.Equal("InvalidDatabase", ex.ErrorId);
            Assert.Equal(database, ex.TargetObject);
            Assert.Contains($"database {database}", ex.Message);
            Assert.Contains(reason, ex.Message);
        }

        [Fact]
        public async Task Database_comes_from_the_request_else_the_url_else_zero()
        {
            using var withPath = await Open($"{TestBed.RedisUri}/5");
            using var without = await Open(TestBed.RedisUri);

            Assert.Equal(5, withPath.ResolveDatabase(null));
            Assert.Equal(2, withPath.ResolveDatabase(2));
            Assert.Equal(0, without.ResolveDatabase(null));
        }
    }
}
