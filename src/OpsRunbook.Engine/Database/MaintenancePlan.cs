using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// The statements one table gets for the operations asked: VACUUM and ANALYZE in one statement (the
    /// runbooks' VACUUM ANALYZE and VACUUM FULL ANALYZE), then REINDEX TABLE when asked.
    /// </summary>
    public sealed class MaintenancePlan
    {
        private MaintenancePlan(IReadOnlyList<MaintenanceStep> steps)
        {
            Steps = steps;
        }

        public IReadOnlyList<MaintenanceStep> Steps { get; }

        /// <summary>Whether a step takes locks that stop the table's readers or writers (VACUUM FULL, REINDEX).</summary>
        public bool TakesBlockingLocks => Steps.Any(s => s.TakesBlockingLocks);

        /// <summary>The steps, as they read in a confirmation: "VACUUM (FULL, ANALYZE), then REINDEX TABLE".</summary>
        public string Description => string.Join(", then ", Steps.Select(s => s.Verb));

        public static MaintenancePlan Create(IReadOnlyCollection<DatabaseMaintenanceOperation> operations, bool concurrently)
        {
            var asked = operations.Aggregate((DatabaseMaintenanceOperation)0, (all, o) => all | o);
            if (asked == 0)
            {
                throw Failures.InvalidArgument(DatabaseErrors.OperationMissing, "No maintenance operation was given.", null,
                    "Give -Operation Vacuum, VacuumFull, Analyze or Reindex; several combine, as in -Operation Vacuum, Analyze.");
            }

            if (asked.HasFlag(DatabaseMaintenanceOperation.Vacuum) && asked.HasFlag(DatabaseMaintenanceOperation.VacuumFull))
            {
                throw Failures.InvalidArgument(DatabaseErrors.ConflictingOperations, "Vacuum and VacuumFull were both given; VACUUM FULL already does all a VACUUM does.",
                    asked.ToString(), "Give one of them: Vacuum to make dead rows' space reusable without locking, VacuumFull to give the space back under a lock.");
            }

            if (concurrently && !asked.HasFlag(DatabaseMaintenanceOperation.Reindex))
            {
                throw Failures.InvalidArgument(DatabaseErrors.ConcurrentlyNeedsReindex, "-Concurrently applies to REINDEX only; VACUUM and ANALYZE have no concurrent form.",
                    asked.ToString(), "Add -Operation Reindex, or leave -Concurrently out.");
            }

            var steps = new List<MaintenanceStep>();
            var vacuum = asked & (DatabaseMaintenanceOperation.Vacuum | DatabaseMaintenanceOperation.VacuumFull | DatabaseMaintenanceOperation.Analyze);
            if (vacuum.HasFlag(DatabaseMaintenanceOperation.VacuumFull))
            {
                steps.Add(new MaintenanceStep(vacuum, vacuum.HasFlag(DatabaseMaintenanceOperation.Analyze) ? "VACUUM (FULL, ANALYZE)" : "VACUUM (FULL)", TakesBlockingLocks: true, OwnerOnly: false));
            }
            else if (vacuum.HasFlag(DatabaseMaintenanceOperation.Vacuum))
            {
                steps.Add(new MaintenanceStep(vacuum, vacuum.HasFlag(DatabaseMaintenanceOperation.Analyze) ? "VACUUM (ANALYZE)" : "VACUUM", TakesBlockingLocks: false, OwnerOnly: false));
            }
            else if (vacuum.HasFlag(DatabaseMaintenanceOperation.Analyze))
            {
                steps.Add(new MaintenanceStep(DatabaseMaintenanceOperation.Analyze, "ANALYZE", TakesBlockingLocks: false, OwnerOnly: false));
            }

            if (asked.HasFlag(DatabaseMaintenanceOperation.Reindex))
            {
                steps.Add(new MaintenanceStep(DatabaseMaintenanceOperation.Reindex, concurrently ? "REINDEX TABLE CONCURRENTLY" : "REINDEX TABLE",
                    TakesBlockingLocks: true, OwnerOnly: true));
            }

            return new MaintenancePlan(steps);
        }
    }

    /// <param name="Operation">The operations this one statement performs.</param>
    /// <param name="Verb">The statement without its table: "VACUUM (FULL, ANALYZE)".</param>
    /// <param name="TakesBlockingLocks">VACUUM FULL and REINDEX lock the table (or its indexes) against other sessions.</param>
    /// <param name="OwnerOnly">REINDEX needs the table's owner; VACUUM and ANALYZE also let the database's owner.</param>
    public sealed record MaintenanceStep(DatabaseMaintenanceOperation Operation, string Verb, bool TakesBlockingLocks, bool OwnerOnly)
    {
        /// <param name="table">The table as a quoted, schema-qualified identifier.</param>
        public string CommandFor(string table) => Verb + " " + table;
    }

    /// <summary>One table about to be maintained, as the confirmation sees it.</summary>
    public sealed record MaintenanceTarget(string Server, string Database, string Table, MaintenancePlan Plan)
    {
        public override string ToString() => $"{Table} in {Database}";
    }
}
