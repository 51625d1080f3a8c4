using System;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Engine.Incidents.Stores
{
    /// <summary>The errors every store reports alike, so a script handles the local and the team store the same way.</summary>
    internal static class StoreFailures
    {
        private const string ChooseStore =
            "Give -Store a folder you can write or a PostgreSQL connection string, or set OPSRUNBOOK_INCIDENT_STORE.";

        public static OpsRunbookException NotFound(string id, string location) =>
            new(IncidentErrors.IncidentNotFound, FailureCategory.ObjectNotFound, $"There is no incident '{id}' in {location}.", id,
                "Get-Incident lists the incidents of this store (Tab completes their Ids); -Store or OPSRUNBOOK_INCIDENT_STORE picks another store.");

        public static OpsRunbookException Unwritable(string location, Exception exception) =>
            new(IncidentErrors.IncidentStoreUnwritable,
                exception is UnauthorizedAccessException ? FailureCategory.PermissionDenied : FailureCategory.WriteError,
                $"The incident store {location} cannot be written: {exception.Message} Nothing was recorded.", location, ChooseStore, exception);

        public static OpsRunbookException Unreadable(string location, Exception exception) =>
            new(IncidentErrors.IncidentStoreUnreadable,
                exception is UnauthorizedAccessException ? FailureCategory.PermissionDenied : FailureCategory.ReadError,
                $"The incident store {location} cannot be read: {exception.Message}", location, ChooseStore, exception);

        public static OpsRunbookException Busy(string id, string location, TimeSpan waited) =>
            new(IncidentErrors.IncidentStoreBusy, FailureCategory.ResourceUnavailable,
                $"The incident '{id}' in {location} stayed locked by another writer for {waited.TotalSeconds:0} s; nothing was recorded.", id,
                "Try again; if it persists, look for a process that hangs while writing to this store.");
    }
}
