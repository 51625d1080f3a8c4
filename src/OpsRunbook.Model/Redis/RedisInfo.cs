using System;

namespace OpsRunbook
{
    /// <summary>
    /// One Redis server as INFO describes it: memory, clients, the cache hit rate judged by the runbooks'
    /// thresholds, evictions, keys per database, persistence, role and replication.
    /// </summary>
    public sealed class RedisInfo
    {
        public RedisInfo(string name, string server)
        {
            Name = name;
            Server = server;
        }

        /// <summary>The inventory service's name, or host:port of the connection.</summary>
        public string Name { get; }

        /// <summary>The server this describes, host:port.</summary>
        public string Server { get; }

        public string? Version { get; init; }

        /// <summary>standalone, cluster or sentinel (redis_mode).</summary>
        public string? Mode { get; init; }

        /// <summary>master or slave, as INFO says it.</summary>
        public string? Role { get; init; }

        public TimeSpan Uptime { get; init; }

        public long ConnectedClients { get; init; }

        public long BlockedClients { get; init; }

        /// <summary>The maxclients setting; null when the server does not report it.</summary>
        public long? MaxClients { get; init; }

        public long UsedMemoryBytes { get; init; }

        public long PeakMemoryBytes { get; init; }

        /// <summary>The maxmemory setting; 0 means no limit.</summary>
        public long MaxMemoryBytes { get; init; }

        /// <summary>UsedMemoryBytes as a percentage of MaxMemoryBytes; null when there is no limit.</summary>
        public double? MemoryUsedPercent { get; init; }

        public string? MaxMemoryPolicy { get; init; }

        /// <summary>mem_fragmentation_ratio: resident memory over used memory.</summary>
        public double? FragmentationRatio { get; init; }

        public long KeyspaceHits { get; init; }

        public long KeyspaceMisses { get; init; }

        /// <summary>keyspace_hits / (hits + misses) in percent; null before the first lookup.</summary>
        public double? HitRatePercent { get; init; }

        /// <summary>The runbooks' judgement of the hit rate: above 80% Normal, below 50% Alert, between them Warning.</summary>
        public RedisHitRateStatus HitRateStatus { get; init; }

        public long EvictedKeys { get; init; }

        public long ExpiredKeys { get; init; }

        /// <summary>Keys in all databases.</summary>
        public long Keys { get; init; }

        /// <summary>The databases that hold keys.</summary>
        public RedisDatabaseKeys[] Databases { get; init; } = Array.Empty<RedisDatabaseKeys>();

        /// <summary>When the last snapshot was written (rdb_last_save_time).</summary>
        public DateTimeOffset? LastSave { get; init; }

        /// <summary>ok or err: how the last BGSAVE ended.</summary>
        public string? LastBgsaveStatus { get; init; }

        public bool BgsaveInProgress { get; init; }

        public long ChangesSinceLastSave { get; init; }

        public bool AofEnabled { get; init; }

        /// <summary>ok or err: how the last write to the append-only file went.</summary>
        public string? AofLastWriteStatus { get; init; }

        public long ConnectedReplicas { get; init; }

        /// <summary>Each replica of a primary: "host:port state=online offset=N lag=N".</summary>
        public string[] Replicas { get; init; } = Array.Empty<string>();

        /// <summary>For a replica: its primary as host:port.</summary>
        public string? Primary { get; init; }

        /// <summary>For a replica: up or down (master_link_status).</summary>
        public string? PrimaryLinkStatus { get; init; }

        public long ReplicationOffset { get; init; }

        public DateTimeOffset CheckedAt { get; init; }

        public override string ToString() =>
            $"{Name}: {Role}, {UsedMemoryBytes} bytes used, hit rate {(HitRatePercent is double rate ? rate.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%" : "n/a")} ({HitRateStatus})";
    }

    /// <summary>The keys of one database (a db0:keys=...,expires=...,avg_ttl=... line of INFO keyspace).</summary>
    public sealed class RedisDatabaseKeys
    {
        public RedisDatabaseKeys(int index, long keys, long expires, TimeSpan averageTtl)
        {
            Index = index;
            Keys = keys;
            Expires = expires;
            AverageTtl = averageTtl;
        }

        public int Index { get; }

        public long Keys { get; }

        /// <summary>Keys that have a time to live.</summary>
        public long Expires { get; }

        public TimeSpan AverageTtl { get; }

        public override string ToString() => $"db{Index}: {Keys} keys ({Expires} with a TTL)";
    }

    /// <summary>The runbooks' thresholds for the cache hit rate.</summary>
    public enum RedisHitRateStatus
    {
        /// <summary>No key lookups yet: nothing to judge.</summary>
        NoData,
        /// <summary>Above 80%.</summary>
        Normal,
        /// <summary>From 50% to 80%.</summary>
        Warning,
        /// <summary>Below 50%.</summary>
        Alert,
    }
}
