using System;

namespace OpsRunbook
{
    /// <summary>What Clear-RedisCache did with one pattern (or -All) on one Redis connection.</summary>
    public sealed class RedisCacheClearResult
    {
        public RedisCacheClearResult(string server, int database, string pattern)
        {
            Server = server;
            Database = database;
            Pattern = pattern;
        }

        /// <summary>The connection, as a URL without its password.</summary>
        public string Server { get; }

        public int Database { get; }

        /// <summary>The glob pattern; "*" for -All.</summary>
        public string Pattern { get; }

        /// <summary>How the keys were removed: SCAN and UNLINK, or FLUSHDB ASYNC for -All.</summary>
        public RedisClearMethod Method { get; init; }

        /// <summary>How many primaries were cleared (several for a cluster or a list of endpoints).</summary>
        public int Primaries { get; init; }

        /// <summary>Keys in the database when the scan began (DBSIZE, summed over the primaries).</summary>
        public long Scanned { get; init; }

        /// <summary>Keys the scan found matching the pattern: with -WhatIf, what would be deleted.</summary>
        public long Matched { get; init; }

        /// <summary>Keys deleted, as the server counted them. Zero with -WhatIf.</summary>
        public long Deleted { get; init; }

        public TimeSpan Duration { get; init; }

        /// <summary>True when this only counted (-WhatIf) and deleted nothing.</summary>
        public bool WhatIf { get; init; }

        /// <summary>False when the clear stopped part way (this object is then the TargetObject of the error that says why).</summary>
        public bool Completed { get; init; } = true;

        public override string ToString() =>
            WhatIf
                ? $"{Pattern} in database {Database} of {Server}: {Matched} keys would be deleted (WhatIf)"
                : $"{Pattern} in database {Database} of {Server}: {Deleted} keys deleted in {Duration.TotalSeconds:0.###} s";
    }

    public enum RedisClearMethod
    {
        /// <summary>SCAN with MATCH and COUNT, UNLINK of each batch, pipelined.</summary>
        ScanUnlink,
        /// <summary>FLUSHDB ASYNC of the one database (-All).</summary>
        FlushDatabase,
    }
}
