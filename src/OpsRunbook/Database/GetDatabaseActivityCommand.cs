using System;
using System.Management.Automation;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Database
{
    /// <summary>Writes the backends of a PostgreSQL server, longest in their state first, or a summary per state.</summary>
    [Cmdlet(VerbsCommon.Get, "DatabaseActivity", DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(DatabaseSession), typeof(DatabaseActivitySummary))]
    public sealed class GetDatabaseActivityCommand : DatabaseCommandBase
    {
        [Parameter]
        [ValidateNotNullOrEmpty]
        public DatabaseSessionState[] State { get; set; } = Array.Empty<DatabaseSessionState>();

        [Parameter]
        public TimeSpan MinDuration { get; set; }

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Database { get; set; } = Array.Empty<string>();

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] User { get; set; } = Array.Empty<string>();

        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Application { get; set; } = Array.Empty<string>();

        [Parameter]
        public SwitchParameter Blocked { get; set; }

        [Parameter]
        public SwitchParameter IncludeBackground { get; set; }

        [Parameter]
        public SwitchParameter Summary { get; set; }

        [Parameter]
        [ValidateRange(16, 1048576)]
        public int QueryLength { get; set; } = ActivityFilter.DefaultQueryLength;

        protected override void ProcessRecord()
        {
            if (MinDuration < TimeSpan.Zero)
            {
                ThrowFailure(new OpsRunbookException(DatabaseErrors.InvalidMinDuration, FailureCategory.InvalidArgument,
                    $"-MinDuration {MinDuration} is negative.", MinDuration, "Give a duration such as 00:05:00 (five minutes)."));
            }

            var filter = new ActivityFilter
            {
                States = State,
                MinDuration = MyInvocation.BoundParameters.ContainsKey(nameof(MinDuration)) ? MinDuration : null,
                Databases = Database,
                Users = User,
                Applications = Application,
                BlockedOnly = Blocked.IsPresent,
                IncludeBackground = IncludeBackground.IsPresent,
                QueryLength = QueryLength,
            };
            var reader = new DatabaseActivityReader(Connector());
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                if (Summary.IsPresent)
                {
                    var summary = await reader.SummarizeAsync(filter, reporter, cancellationToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(summary));
                    return;
                }

                var sessions = await reader.ReadAsync(filter, reporter, cancellationToken).ConfigureAwait(false);
                pump.Post(() => WriteObject(sessions, enumerateCollection: true));
            });
        }
    }
}
