using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

namespace OpsRunbook.Tests.Health
{
    internal static class TestRedis
    {
        public static async Task<ConnectionMultiplexer> ConnectAsync()
        {
            var options = new ConfigurationOptions { Password = TestBed.Password, AllowAdmin = true, ClientName = "opsrunbook-tests" };
            options.EndPoints.Add(TestBed.RedisHost, TestBed.RedisPort);
            return await ConnectionMultiplexer.ConnectAsync(options);
        }

        public static IServer Server(ConnectionMultiplexer multiplexer) => multiplexer.GetServer(TestBed.RedisHost, TestBed.RedisPort);

        public static async Task<string> InfoAsync(ConnectionMultiplexer multiplexer, string section, string key) =>
            (await Server(multiplexer).InfoAsync(section)).SelectMany(g => g).First(kv => kv.Key == key).Value;
    }

    public class RedisHealthProbeTests
    {
        private static string Authority => $"{TestBed.RedisHost}:{TestBed.RedisPort}";

        [Fact]
        public async Task Healthy_with_ping_memory_and_version()
        {
            string version;
            await using (var multiplexer = await TestRedis.ConnectAsync())
            {
                version = await TestRedis.InfoAsync(multiplexer, "server", "redis_version");
            }

            var health = await Probe.CheckAsync(TestBed.RedisUri);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Null(health.Error);
            Assert.Equal(ServiceKind.Redis, health.Kind);
            Assert.Equal(version, health.Version);
            Assert.IsType<double>(Probe.Detail(health, "PingMs"));
            Assert.InRange((double)Probe.Detail(health, "PingMs")!, 0, 5000);
            Assert.True((long)Probe.Detail(health, "UsedMemoryBytes")! > 0);
            Assert.Equal(0L, Probe.Detail(health, "MaxMemoryBytes"));
            Assert.Equal("master", Probe.Detail(health, "Role"));
            Assert.Equal($"redis://{Authority}", health.Target);
            Assert.Equal(Authority, health.Name);
        }

        [Fact]
        public async Task Acl_user_with_password_is_healthy()
        {
            var health = await Probe.CheckAsync($"redis://opsrunbook:{Uri.EscapeDataString(TestBed.Password)}@{Authority}");

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal($"redis://opsrunbook@{Authority}", health.Target);
        }

        [Fact]
        public async Task Configuration_string_with_password_is_healthy()
        {
            var target = Probe.Target($"{Authority},password={TestBed.Password}", ServiceKind.Redis);
            var health = await Probe.CheckAsync(target);

            Assert.Equal(HealthStatus.Healthy, health.Status);
            SecretAssert.Absent(target.ToString());
        }

        [Fact]
        public async Task Redis_url_from_the_environment_is_healthy()
        {
            var health = await Probe.CheckAsync(string.Empty, ServiceKind.Redis, environment: Env.Of(("REDIS_URL", TestBed.RedisUri)));

            Assert.Equal(HealthStatus.Healthy, health.Status);
            Assert.Equal(Authority, health.Name);
        }

        [Theory]
        [InlineData("")]
        [InlineData("opsrunbook")]
        public async Task Wrong_password_is_authentication_failed(string user)
        {
            var wrong = "Wr0ng-" + Guid.NewGuid().ToString("N")[..10];

            var health = await Probe.CheckAsync($"redis://{user}:{wrong}@{Authority}", timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.StartsWith("authentication failed", health.Error);
            Assert.DoesNotContain(wrong, health.Error);
            Assert.DoesNotContain(wrong, health.ToString());
        }

        [Fact]
        public async Task No_password_is_a_password_required()
        {
            var health = await Probe.CheckAsync($"redis://{Authority}", timeout: TimeSpan.FromSeconds(5));

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.StartsWith("the server requires a password", health.Error);
            Assert.DoesNotContain("wrong", health.Error);
        }

        [Fact]
        public async Task Closed_port_is_refused_at_once()
        {
            var clock = Stopwatch.StartNew();
            var health = await Probe.CheckAsync($"redis://:{Uri.EscapeDataString(TestBed.Password)}@127.0.0.1:{TestBed.ClosedPort()}", timeout: TimeSpan.FromSeconds(5));
            clock.Stop();

            Assert.Equal(HealthStatus.Unhealthy, health.Status);
            Assert.Equal("connection refused", health.Error);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed} of a 5 s timeout");
        }
    }

    [Collection("Serial")]
    public class RedisMemoryShareTests
    {
        [Fact]
        public async Task Degraded_at_90_percent_of_maxmemory()
        {
            await using var multiplexer = await TestRedis.ConnectAsync();
            var server = TestRedis.Server(multiplexer);
            var used = long.Parse(await TestRedis.InfoAsync(multiplexer, "memory", "used_memory"), CultureInfo.InvariantCulture);
            var max = used + (used / 50); // 2 % above what is in use now
            await server.ConfigSetAsync("maxmemory", max.ToString(CultureInfo.InvariantCulture));
            try
            {
                var health = await Probe.CheckAsync(TestBed.RedisUri);

                Assert.Equal(HealthStatus.Degraded, health.Status);
                var numbers = Regex.Match(health.Error ?? string.Empty, @"^used_memory (\d+) of maxmemory (\d+) bytes");
                Assert.True(numbers.Success, health.Error);
                Assert.Equal(max.ToString(CultureInfo.InvariantCulture), numbers.Groups[2].Value);
                Assert.Contains("at or above 90", health.Error);
                Assert.Equal(max, Probe.Detail(health, "MaxMemoryBytes"));
                Assert.Equal(long.Parse(numbers.Groups[1].Value, CultureInfo.InvariantCulture), Probe.Detail(health, "UsedMemoryBytes"));
            }
            finally
            {
                await server.ConfigSetAsync("maxmemory", "0");
            }

            Assert.Equal("0", await TestRedis.InfoAsync(multiplexer, "memory", "maxmemory"));
            Assert.Equal(HealthStatus.Healthy, (await Probe.CheckAsync(TestBed.RedisUri)).Status);
        }
    }
}
