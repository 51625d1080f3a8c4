using System;

namespace OpsRunbook
{
    /// <summary>The maintenance Invoke-DatabaseMaintenance runs; VACUUM and ANALYZE combine into one statement.</summary>
    [Flags]
    public enum DatabaseMaintenanceOperation
    {
        /// <summary>VACUUM: makes dead rows' space reusable; takes no lock that blocks reads or writes.</summary>
        Vacuum = 1,
        /// <summary>VACUUM FULL: rewrites the table to its live rows and gives the space back; locks the table (ACCESS EXCLUSIVE).</summary>
        VacuumFull = 2,
        /// <summary>ANALYZE: refreshes the planner's statistics.</summary>
        Analyze = 4,
        /// <summary>REINDEX TABLE: rebuilds the table's indexes; blocks writes (and reads that use them) unless -Concurrently.</summary>
        Reindex = 8,
    }
}
