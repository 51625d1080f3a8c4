namespace OpsRunbook
{
    /// <summary>The size of one database (pg_database_size), as Get-DatabaseSize writes it.</summary>
    public sealed class DatabaseSize
    {
        public DatabaseSize(string server, string database)
        {
            Server = server;
            Database = database;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        public string Database { get; }

        public string? Owner { get; init; }

        /// <summary>Null when the user may not connect to the database, so its size cannot be read.</summary>
        public long? SizeBytes { get; init; }

        /// <summary>Backends connected to this database now.</summary>
        public int Connections { get; init; }

        public override string ToString() => $"{Database}: {ByteSize.Format(SizeBytes) ?? "size unknown"}";
    }
}
