using System;
using System.Collections.Generic;

namespace OpsRunbook.Engine.Database
{
    /// <summary>What Invoke-DatabaseMaintenance was asked to do, and where.</summary>
    /// <param name="Databases">Names or wildcards; none means the connection's own database.</param>
    /// <param name="Tables">Names, schema.name or wildcards; none means every table of each database.</param>
    /// <param name="LockTimeout">How long a statement may wait for a lock before it gives up; null waits as long as it takes.</param>
    public sealed record MaintenanceRequest(MaintenancePlan Plan, IReadOnlyCollection<string> Databases, IReadOnlyCollection<string> Tables,
        TimeSpan? LockTimeout = null);
}
