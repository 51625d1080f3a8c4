using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using System.Management.Automation;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Database;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Database
{
    /// <summary>Cancels the query of PostgreSQL sessions, or with -Terminate ends them, and writes what happened to each.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "DatabaseSession", DefaultParameterSetName = ConnectionStringSet,
        SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(DatabaseSessionStopResult))]
    public sealed class StopDatabaseSessionCommand : DatabaseCommandBase
    {
        private const string InputObjectSet = "InputObject";

        private readonly List<SessionStopRequest> _requests = new();

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ConnectionStringSet, ValueFromPipelineByPropertyName = true)]
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = InventorySet, ValueFromPipelineByPropertyName = true)]
        [ValidateRange(1, int.MaxValue)]
        public int[] Pid { get; set; } = Array.Empty<int>();

        [Parameter(Mandatory = true, ParameterSetName = InputObjectSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public DatabaseSession[] InputObject { get; set; } = Array.Empty<DatabaseSession>();

        /// <summary>End the sessions (pg_terminate_backend) instead of cancelling their queries.</summary>
        [Parameter]
        public SwitchParameter Terminate { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == InputObjectSet)
            {
                var timeout = TimeSpan.FromSeconds(TimeoutSec);
                _requests.AddRange(InputObject.Select(session => SessionStopRequest.For(session, timeout, Connector)));
                return;
            }

            var connector = Connector();
            _requests.AddRange(Pid.Select(pid => new SessionStopRequest(connector, pid)));
        }

        protected override void EndProcessing()
        {
            if (_requests.Count == 0)
            {
                return;
            }

            var stopper = new DatabaseSessionStopper(Terminate.IsPresent ? DatabaseSessionStopAction.Terminate : DatabaseSessionStopAction.Cancel);
            var action = Terminate.IsPresent ? "Terminate the session (pg_terminate_backend)" : "Cancel the running query (pg_cancel_backend)";
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                var outcomes = stopper.StopAsync(
                    _requests,
                    (session, token) => pump.InvokeAsync(
                        () => ChangeConfirmation.ShouldChange(this, Describe(session), action, ConfirmImpact.High, Force.IsPresent), token),
                    reporter,
                    cancellationToken);
                await foreach (var outcome in outcomes.ConfigureAwait(false))
                {
                    pump.Post(() => WriteOutcome(outcome));
                }
            });
        }

        // What the prompt shows: the session and the start of its query on one line.
        private static string Describe(DatabaseSession session)
        {
            var query = Regex.Replace(session.Query ?? string.Empty, @"\s+", " ").Trim();
            if (query.Length > 80)
            {
                query = query[..77] + "...";
            }

            return query.Length == 0 ? $"{session} on {session.Server}" : $"{session} on {session.Server}: {query}";
        }
    }
}
