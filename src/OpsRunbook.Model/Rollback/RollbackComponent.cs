namespace OpsRunbook
{
    /// <summary>What a restore point holds and a rollback puts back.</summary>
    public enum RollbackComponent
    {
        /// <summary>A PostgreSQL database, through the backup engine.</summary>
        Database,

        /// <summary>A Redis server's data, as an RDB snapshot.</summary>
        Redis,

        /// <summary>A configuration file the inventory lists (compose file, env files).</summary>
        Config,

        /// <summary>A container service's image and creation settings.</summary>
        Image,
    }
}
