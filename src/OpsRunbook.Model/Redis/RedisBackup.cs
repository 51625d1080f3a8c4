using System;

namespace OpsRunbook
{
    /// <summary>An RDB snapshot copied from a Redis server, with its checksum beside it.</summary>
    public sealed class RedisBackup
    {
        public RedisBackup(string path, string server)
        {
            Path = path;
            Server = server;
        }

        /// <summary>The .rdb file written.</summary>
        public string Path { get; }

        /// <summary>The sidecar &lt;file&gt;.sha256, in sha256sum's format: sha256sum -c verifies it.</summary>
        public string? ChecksumPath { get; init; }

        /// <summary>The server saved, host:port.</summary>
        public string Server { get; }

        public long SizeBytes { get; init; }

        /// <summary>SHA-256 of the file, lower-case hex.</summary>
        public string? Sha256 { get; init; }

        /// <summary>The RDB format version from the file's header (REDIS0010 is 10).</summary>
        public int RdbVersion { get; init; }

        /// <summary>Where the snapshot was copied from: the server's dir/dbfilename, and the container when there was one.</summary>
        public string? Source { get; init; }

        /// <summary>When the server finished the snapshot (LASTSAVE).</summary>
        public DateTimeOffset SavedAt { get; init; }

        /// <summary>The whole backup: BGSAVE, the wait, the copy and the checksum.</summary>
        public TimeSpan Duration { get; init; }

        public override string ToString() => $"{Path} ({SizeBytes} bytes, sha256 {Sha256})";
    }
}
