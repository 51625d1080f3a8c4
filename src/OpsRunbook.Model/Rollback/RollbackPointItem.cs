namespace OpsRunbook
{
    /// <summary>One thing a restore point captured: a database dump, an RDB snapshot, a file, or a container's settings.</summary>
    public sealed class RollbackPointItem
    {
        public RollbackPointItem(RollbackComponent component, string service, string file)
        {
            Component = component;
            Service = service;
            File = file;
        }

        public RollbackComponent Component { get; }

        /// <summary>The inventory service it belongs to; for configuration files, the file's name.</summary>
        public string Service { get; }

        /// <summary>Its file, relative to the restore point's folder.</summary>
        public string File { get; }

        public long SizeBytes { get; init; }

        public string Sha256 { get; init; } = string.Empty;

        /// <summary>The database name, the Redis server, the file's original path, or the container and image id.</summary>
        public string Detail { get; init; } = string.Empty;

        public override string ToString() => $"{Component} {Service}: {Detail}";
    }
}
