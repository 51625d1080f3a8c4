using System;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Incidents
{
    /// <summary>Lists incidents, newest first, each with its escalation level and the next escalation due.</summary>
    [Cmdlet(VerbsCommon.Get, "Incident")]
    [OutputType(typeof(Incident))]
    public sealed class GetIncidentCommand : IncidentCommandBase
    {
        /// <summary>Ids, wildcards allowed; all when left out.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateNotNullOrEmpty]
        public IncidentStatus[] Status { get; set; } = Array.Empty<IncidentStatus>();

        /// <summary>Only incidents opened since then: a TimeSpan, "24h", "7d", or a date and time.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? Since { get; set; }

        protected override void ProcessRecord()
        {
            DateTimeOffset? since = null;
            if (Since is not null)
            {
                try
                {
                    since = TimeExpression.ParseSince(Since is PSObject wrapped ? wrapped.BaseObject : Since, DateTimeOffset.Now, nameof(Since));
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }
            }

            var filter = new IncidentFilter { Ids = Id, Statuses = Status, Since = since };
            var query = new IncidentQuery(OpenStore());
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var incidents = await query.FindAsync(filter, ex => pump.Post(() => WriteFailure(ex)), cancellationToken).ConfigureAwait(false);
                pump.Post(() => WriteObject(incidents, enumerateCollection: true));
            });
        }
    }
}
