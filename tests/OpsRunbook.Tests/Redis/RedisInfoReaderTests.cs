using System;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Redis;
using Xunit;

namespace OpsRunbook.Tests.Redis
{
    public class RedisInfoReaderTests
    {
        private const string Sample = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nuptime_in_seconds:3725\r\n\r\n" +
            "# Clients\r\nconnected_clients:12\r\nmaxclients:10000\r\nblocked_clients:1\r\n\r\n" +
            "# Memory\r\nused_memory:9437184\r\nused_memory_peak:10485760\r\nmaxmemory:10485760\r\nmaxmemory_policy:allkeys-lru\r\nmem_fragmentation_ratio:1.37\r\n\r\n" +
            "# Persistence\r\nrdb_changes_since_last_save:42\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:1795792683\r\nrdb_last_bgsave_status:ok\r\naof_enabled:1\r\naof_last_write_status:ok\r\n\r\n" +
            "# Stats\r\nkeyspace_hits:700\r\nkeyspace_misses:300\r\nevicted_keys:17\r\nexpired_keys:230\r\n\r\n" +
            "# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=10.0.0.2,port=6380,state=online,offset=5000,lag=0\r\n" +
            "slave1:ip=10.0.0.3,port=6380,state=wait_bgsave,offset=0,lag=1\r\nmaster_repl_offset:5000\r\n\r\n" +
            "# Keyspace\r\ndb0:keys=1200,expires=300,avg_ttl=60000\r\ndb10:keys=5,expires=0,avg_ttl=0\r\ndb2:keys=20,expires=20,avg_ttl=1500\r\n";

        [Fact]
        public void Reads_memory_clients_hits_persistence_replication_and_keys()
        {
            var checkedAt = DateTimeOffset.Now;
            var info = RedisInfoReader.FromInfo("cache", "10.0.0.1:6379", Sample, checkedAt);

            Assert.Equal("cache", info.Name);
            Assert.Equal("10.0.0.1:6379", info.Server);
            Assert.Equal("7.0.15", info.Version);
            Assert.Equal("standalone", info.Mode);
            Assert.Equal(TimeSpan.FromSeconds(3725), info.Uptime);
            Assert.Equal(12, info.ConnectedClients);
            Assert.Equal(1, info.BlockedClients);
            Assert.Equal(10000, info.MaxClients);
            Assert.Equal(9437184, info.UsedMemoryBytes);
            Assert.Equal(10485760, info.PeakMemoryBytes);
            Assert.Equal(10485760, info.MaxMemoryBytes);
            Assert.Equal(90, info.MemoryUsedPercent);
            Assert.Equal("allkeys-lru", info.MaxMemoryPolicy);
            Assert.Equal(1.37, info.FragmentationRatio);
            Assert.Equal(700, info.KeyspaceHits);
            Assert.Equal(300, info.KeyspaceMisses);
            Assert.Equal(70, info.HitRatePercent);
            Assert.Equal(RedisHitRateStatus.Warning, info.HitRateStatus);
            Assert.Equal(17, info.EvictedKeys);
            Assert.Equal(230, info.ExpiredKeys);
            Assert.Equal(1225, info.Keys);
            Assert.Equal(new[] { 0, 2, 10 }, info.Databases.Select(d => d.Index));
            Assert.Equal(300, info.Databases[0].Expires);
            Assert.Equal(TimeSpan.FromMinutes(1), info.Databases[0].AverageTtl);
            Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795792683), info.LastSave);
            Assert.Equal("ok", info.LastBgsaveStatus);
            Assert.False(info.BgsaveInProgress);
            Assert.Equal(42, info.ChangesSinceLastSave);
            Assert.True(info.AofEnabled);
            Assert.Equal("ok", info.AofLastWriteStatus);
            Assert.Equal("master", info.Role);
            Assert.Equal(2, info.ConnectedReplicas);
            Assert.Equal(new[] { "10.0.0.2:6380 state=online offset=5000 lag=0", "10.0.0.3:6380 state=wait_bgsave offset=0 lag=1" }, info.Replicas);
            Assert.Null(info.Primary);
            Assert.Equal(5000, info.ReplicationOffset);
            Assert.Equal(checkedAt, info.CheckedAt);
        }

        [Fact]
        public void Empty_info_is_an_object_with_nothing_known()
        {
            var info = RedisInfoReader.FromInfo("x", "h:1", string.Empty, DateTimeOffset.Now);

            Assert.Null(info.HitRatePercent);
            Assert.Equal(RedisHitRateStatus.NoData, info.HitRateStatus);
            Assert.Null(info.MemoryUsedPercent);
            Assert.Null(info.LastSave);
            Assert.Empty(info.Databases);
        }

        [Theory]
        [InlineData(null, RedisHitRateStatus.NoData)]
        [InlineData(100.0, RedisHitRateStatus.Normal)]
        [InlineData(80.01, RedisHitRateStatus.Normal)]
        [InlineData(80.0, RedisHitRateStatus.Warning)]
        [InlineData(50.0, RedisHitRateStatus.Warning)]
        [InlineData(49.99, RedisHitRateStatus.Alert)]
        [InlineData(0.0, RedisHitRateStatus.Alert)]
        public void Judges_the_hit_rate_by_the_runbooks_thresholds(double? percent, RedisHitRateStatus expected)
        {
            Assert.Equal(expected, RedisInfoReader.JudgeHitRate(percent));
        }

        [Fact]
        public async Task Reads_a_real_server_as_redis_cli_sees_it()
        {
            // Its own server, so that the hit counters are this test's alone.
            using var server = RedisServerProcess.Start();
            server.Populate(30, "k", database: 0);
            server.Populate(7, "k", database: 4);
            server.Cli("CONFIG", "RESETSTAT");
            for (var i = 0; i < 9; i++)
            {
                server.Cli("GET", $"k:{i}");
            }

            server.Cli("GET", "missing");
            using var session = await RedisSession.OpenAsync(server.Connection, TimeSpan.FromSeconds(5), OperationReporter.None, CancellationToken.None);
            var reader = new RedisInfoReader(session);

            var info = Assert.Single(await reader.ReadAsync("cache", CancellationToken.None));

            Assert.Equal("cache", info.Name);
            Assert.Equal(server.Endpoint, info.Server);
            Assert.Equal(9, info.KeyspaceHits);
            Assert.Equal(1, info.KeyspaceMisses);
            Assert.Equal(90, info.HitRatePercent);
            Assert.Equal(RedisHitRateStatus.Normal, info.HitRateStatus);
            Assert.Equal(new[] { (0, 30L), (4, 7L) }, info.Databases.Select(d => (d.Index, d.Keys)));
            Assert.Equal(server.DbSize(0) + server.DbSize(4), info.Keys);
            Assert.Equal(Witness(server, "redis_version"), info.Version);
            Assert.Equal(long.Parse(Witness(server, "maxclients"), CultureInfo.InvariantCulture), info.MaxClients);
            Assert.Equal("master", info.Role);
            Assert.Equal("noeviction", info.MaxMemoryPolicy);
            Assert.True(info.ConnectedClients >= 1);

            for (var i = 0; i < 10; i++)
            {
                server.Cli("GET", $"missing:{i}");
            }

            var later = Assert.Single(await reader.ReadAsync("cache", CancellationToken.None));
            Assert.Equal(45, later.HitRatePercent);
            Assert.Equal(RedisHitRateStatus.Alert, later.HitRateStatus);
        }

        [Fact]
        public async Task Reads_the_test_bed_through_the_acl_user()
        {
            var connection = Engine.Connections.RedisConnectionInfo.Parse(
                $"redis://opsrunbook:{Uri.EscapeDataString(TestBed.Password)}@{TestBed.RedisHost}:{TestBed.RedisPort}", null, Env.None);
            using var session = await RedisSession.OpenAsync(connection, TimeSpan.FromSeconds(5), OperationReporter.None, CancellationToken.None);

            var info = Assert.Single(await new RedisInfoReader(session).ReadAsync(null, CancellationToken.None));

            Assert.Equal($"{TestBed.RedisHost}:{TestBed.RedisPort}", info.Name);
            Assert.Equal(RedisCli.OnTestBed(null, "INFO", "server").Split('\n').First(l => l.StartsWith("redis_version:", StringComparison.Ordinal))[14..].Trim(), info.Version);
            Assert.Equal("ok", info.LastBgsaveStatus);
            SecretAssert.Absent(System.Text.Json.JsonSerializer.Serialize(info));
        }

        private static string Witness(RedisServerProcess server, string field) =>
            server.Cli("INFO").Split('\n').First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();
    }
}
