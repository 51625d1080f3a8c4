using System;
using System.Management.Automation;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>Lists incidents, newest first, each with its escalation level and the next escalation due.</summary>
    [Cmdlet(VerbsCommon.Get, "Incident", DefaultParameterSetName = FilterSet)]
    [OutputType(typeof(Incident))]
    public sealed class GetIncidentCommand : IncidentCommandBase
    {
        private const string FilterSet = "Filter";
        private const string CurrentSet = "Current";

        /// <summary>Ids, wildcards allowed; all when left out.</summary>
        [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = FilterSet)]
        [Alias("IncidentId")]
        [ArgumentCompleter(typeof(IncidentIdCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();

        [Parameter(ParameterSetName = FilterSet)]
        [ValidateNotNullOrEmpty]
        public IncidentStatus[] Status { get; set; } = Array.Empty<IncidentStatus>();

        /// <summary>Only incidents opened since then: a TimeSpan, "24h", "7d", or a date and time.</summary>
        [Parameter(ParameterSetName = FilterSet)]
        [ValidateNotNull]
        public object? Since { get; set; }

        /// <summary>The session's current incident, from its own store; nothing when none is current.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CurrentSet)]
        public SwitchParameter Current { get; set; }

        protected override void ProcessRecord()
        {
            if (Current)
            {
                WriteCurrent();
                return;
            }

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

        private void WriteCurrent()
        {
            if (IncidentContext.Current is not { } context)
            {
                WriteVerbose("No incident is current in this session (Start-IncidentResponse or Set-IncidentContext -Id makes one current).");
                return;
            }

            var lifecycle = LifecycleFor(context.Id, current: true);
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var incident = await lifecycle.ReadAsync(context.Id, cancellationToken).ConfigureAwait(false);
                pump.Post(() => WriteObject(incident));
            });
        }
    }
}
