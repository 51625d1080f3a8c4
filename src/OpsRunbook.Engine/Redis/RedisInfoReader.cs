using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// Reads INFO from each server of a connection into a RedisInfo: what the runbooks look at with
    /// `redis-cli INFO memory` and `INFO stats | grep hit`, judged by their thresholds.
    /// </summary>
    public sealed class RedisInfoReader
    {
        /// <summary>The runbooks: "keyspace_hits / (keyspace_hits + keyspace_misses) should be >80%".</summary>
        public const double NormalHitRateAbovePercent = 80;

        /// <summary>Below this the hit rate is an alert.</summary>
        public const double AlertHitRateBelowPercent = 50;

        private static readonly Regex DatabaseLine = new(@"^db(?<index>\d+)$", RegexOptions.CultureInvariant);
        private static readonly Regex ReplicaLine = new(@"^slave\d+$", RegexOptions.CultureInvariant);

        private readonly RedisSession _session;

        public RedisInfoReader(RedisSession session)
        {
            _session = session;
        }

        /// <summary>One RedisInfo per connected server (primaries and replicas), in the connection's order.</summary>
        public async Task<IReadOnlyList<RedisInfo>> ReadAsync(string? name, CancellationToken cancellationToken)
        {
            var servers = _session.Servers;
            var infos = new List<RedisInfo>();
            foreach (var server in servers)
            {
                var text = await _session.RunAsync(server, () => server.InfoRawAsync(), "reading INFO", cancellationToken).ConfigureAwait(false);
                var endpoint = RedisSession.Endpoint(server);
                var label = servers.Count == 1 && !string.IsNullOrEmpty(name) ? name! : name is null ? endpoint : $"{name} {endpoint}";
                infos.Add(FromInfo(label, endpoint, text, DateTimeOffset.Now));
            }

            return infos;
        }

        /// <summary>A RedisInfo from the text of INFO (its default sections).</summary>
        public static RedisInfo FromInfo(string name, string server, string? text, DateTimeOffset checkedAt)
        {
            var info = RedisInfoText.Parse(text);
            long Number(string key) => info.Long(key) ?? 0;
            var used = Number("used_memory");
            var max = Number("maxmemory");
            var hits = Number("keyspace_hits");
            var misses = Number("keyspace_misses");
            var hitRate = hits + misses > 0 ? Math.Round(100.0 * hits / (hits + misses), 2) : (double?)null;
            var databases = Databases(info);
            return new RedisInfo(name, server)
            {
                Version = info.Text("redis_version"),
                Mode = info.Text("redis_mode"),
                Role = info.Text("role"),
                Uptime = TimeSpan.FromSeconds(Number("uptime_in_seconds")),
                ConnectedClients = Number("connected_clients"),
                BlockedClients = Number("blocked_clients"),
                MaxClients = info.Long("maxclients"),
                UsedMemoryBytes = used,
                PeakMemoryBytes = Number("used_memory_peak"),
                MaxMemoryBytes = max,
                MemoryUsedPercent = max > 0 ? Math.Round(100.0 * used / max, 2) : null,
                MaxMemoryPolicy = info.Text("maxmemory_policy"),
                FragmentationRatio = info.Double("mem_fragmentation_ratio"),
                KeyspaceHits = hits,
                KeyspaceMisses = misses,
                HitRatePercent = hitRate,
                HitRateStatus = JudgeHitRate(hitRate),
                EvictedKeys = Number("evicted_keys"),
                ExpiredKeys = Number("expired_keys"),
                Keys = databases.Sum(d => d.Keys),
                Databases = databases,
                LastSave = info.Long("rdb_last_save_time") is long seconds and > 0 ? DateTimeOffset.FromUnixTimeSeconds(seconds).ToLocalTime() : null,
                LastBgsaveStatus = info.Text("rdb_last_bgsave_status"),
                BgsaveInProgress = Number("rdb_bgsave_in_progress") == 1,
                ChangesSinceLastSave = Number("rdb_changes_since_last_save"),
                AofEnabled = Number("aof_enabled") == 1,
                AofLastWriteStatus = info.Text("aof_last_write_status"),
                ConnectedReplicas = Number("connected_slaves"),
                Replicas = Replicas(info),
                Primary = info.Text("master_host") is string host ? $"{host}:{info.Text("master_port")}" : null,
                PrimaryLinkStatus = info.Text("master_link_status"),
                ReplicationOffset = Number("master_repl_offset"),
                CheckedAt = checkedAt,
            };
        }

        /// <summary>Above 80% Normal, below 50% Alert, Warning between; NoData before the first lookup.</summary>
        public static RedisHitRateStatus JudgeHitRate(double? percent) => percent switch
        {
            null => RedisHitRateStatus.NoData,
            > NormalHitRateAbovePercent => RedisHitRateStatus.Normal,
            < AlertHitRateBelowPercent => RedisHitRateStatus.Alert,
            _ => RedisHitRateStatus.Warning,
        };

        /// <summary>The db0, db1... lines of INFO keyspace.</summary>
        internal static RedisDatabaseKeys[] Databases(RedisInfoText info) =>
            info.Keys
                .Select(key => (Key: key, Match: DatabaseLine.Match(key)))
                .Where(x => x.Match.Success)
                .Select(x =>
                {
                    var fields = RedisInfoText.Fields(info.Text(x.Key) ?? string.Empty);
                    long Field(string name) => fields.TryGetValue(name, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
                    return new RedisDatabaseKeys(int.Parse(x.Match.Groups["index"].Value, CultureInfo.InvariantCulture), Field("keys"), Field("expires"),
                        TimeSpan.FromMilliseconds(Field("avg_ttl")));
                })
                .OrderBy(d => d.Index)
                .ToArray();

        // slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0
        private static string[] Replicas(RedisInfoText info) =>
            info.Keys
                .Where(key => ReplicaLine.IsMatch(key))
                .OrderBy(key => int.Parse(key[5..], CultureInfo.InvariantCulture))
                .Select(key =>
                {
                    var fields = RedisInfoText.Fields(info.Text(key) ?? string.Empty);
                    string Field(string name) => fields.TryGetValue(name, out var v) ? v : "?";
                    return $"{Field("ip")}:{Field("port")} state={Field("state")} offset={Field("offset")} lag={Field("lag")}";
                })
                .ToArray();
    }
}
