using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Actions;
using OpsRunbook.Engine.Incidents.Stores;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// One command's run, as it goes on the current incident's timeline: made when the command begins (only when an
    /// incident is current or -IncidentId names one, and not under -WhatIf), fed what the command writes, and appended
    /// as one Action entry when the command is disposed. A store that cannot be written is a warning, never a failure
    /// of the command.
    /// </summary>
    internal sealed class ActionRecorder
    {
        private static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(20);

        // Parameters every command has that say nothing about what it did.
        private static readonly HashSet<string> Quiet = new(StringComparer.OrdinalIgnoreCase)
        {
            "IncidentId", "Verbose", "Debug", "OutVariable", "OutBuffer", "PipelineVariable", "ErrorVariable", "WarningVariable",
            "InformationVariable", "ProgressAction", "InformationAction",
        };

        private readonly string _incidentId;
        private readonly IncidentContext? _context;
        private readonly DateTimeOffset _startedAt;
        private readonly HashSet<string> _ownParameters;
        private readonly ActionSummary _summary = new();

        private ActionRecorder(string incidentId, IncidentContext? context, DateTimeOffset startedAt, IEnumerable<string> ownParameters)
        {
            _incidentId = incidentId;
            _context = context;
            _startedAt = startedAt;
            _ownParameters = new HashSet<string>(ownParameters, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>The time of the command's last output or error: its end, as far as the timeline is concerned.</summary>
        public long? LastActivity { get; private set; }

        /// <summary>The recorder of a command that has just begun, or null when nothing is to be recorded.</summary>
        public static ActionRecorder? For(PSCmdlet cmdlet, string? explicitId, DateTimeOffset startedAt)
        {
            var context = IncidentContext.Current;
            if ((explicitId is null && context is null) || ChangeConfirmation.IsWhatIf(cmdlet))
            {
                return null;
            }

            var id = explicitId ?? context!.Id;
            var sameAsCurrent = context is not null && string.Equals(context.Id, id, StringComparison.OrdinalIgnoreCase);
            return new ActionRecorder(id, sameAsCurrent ? context : null, startedAt, cmdlet.MyInvocation.BoundParameters.Keys);
        }

        public void Touch() => LastActivity = Stopwatch.GetTimestamp();

        public void Output(object? output)
        {
            _summary.Observe(output is PSObject wrapped ? wrapped.BaseObject : output);
            Touch();
        }

        public void Error(ErrorRecord error)
        {
            var message = error.ErrorDetails?.Message ?? error.Exception?.Message ?? error.ToString();
            _summary.ObserveError($"{error.FullyQualifiedErrorId.Split(',')[0]}: {message}");
            Touch();
        }

        /// <summary>Appends the entry. Runs in Dispose, on the pipeline thread, after the command's last output.</summary>
        public void Finish(PSCmdlet cmdlet, bool stopped, TimeSpan duration)
        {
            var command = cmdlet.MyInvocation.MyCommand?.Name ?? cmdlet.GetType().Name;
            try
            {
                var secrets = new List<string?>();
                var record = new ActionRecord
                {
                    Command = command,
                    Parameters = Parameters(cmdlet, secrets),
                    StartedAt = _startedAt,
                    Duration = duration,
                    Summary = _summary,
                    Stopped = stopped,
                    Secrets = secrets,
                };
                var entry = ActionTimeline.ToEntry(record, ActionTimeline.EnvironmentSecrets(System.Environment.GetEnvironmentVariables()), IncidentLifecycle.DefaultAuthor);
                var store = _context?.Store ?? DefaultStore(cmdlet);
                using var deadline = new CancellationTokenSource(AppendTimeout);
                Task.Run(() => ActionTimeline.AppendAsync(store, _incidentId, entry, deadline.Token), deadline.Token).GetAwaiter().GetResult();
                Say(cmdlet, () => cmdlet.WriteVerbose($"Recorded {command} on the timeline of {_incidentId}."));
            }
            catch (Exception ex)
            {
                // The command has done its work; the record of it is the part that failed.
                var why = ex is OperationCanceledException ? $"the store did not answer within {AppendTimeout.TotalSeconds:0} s" : ex.Message;
                Say(cmdlet, () => cmdlet.WriteWarning($"{command} ran, but could not be recorded on the timeline of {_incidentId}: {why}"),
                    () => cmdlet.Host?.UI?.WriteWarningLine($"{command} ran, but could not be recorded on the timeline of {_incidentId}: {why}"));
            }
        }

        /// <summary>
        /// The bound parameters as they would be typed, in the order given: values of the command's own parameters,
        /// &lt;piped Type&gt; for those the pipeline bound, credentials by user name only (their passwords join the secrets).
        /// </summary>
        private List<ActionParameter> Parameters(PSCmdlet cmdlet, List<string?> secrets)
        {
            var parameters = new List<ActionParameter>();
            foreach (var (name, value) in cmdlet.MyInvocation.BoundParameters)
            {
                if (Quiet.Contains(name))
                {
                    continue;
                }

                if (cmdlet.GetType().GetProperty(name)?.IsDefined(typeof(SecretValueAttribute), inherit: true) == true)
                {
                    // Its value is a secret: what it was goes to the redaction of everything else, the timeline says only that it was given.
                    ParameterText.Render(value, secrets);
                    secrets.AddRange(LanguagePrimitives.ConvertTo<string[]>(value));
                    parameters.Add(new ActionParameter(name, "<secret>"));
                    continue;
                }

                parameters.Add(_ownParameters.Contains(name) || !cmdlet.MyInvocation.ExpectingInput
                    ? new ActionParameter(name, ParameterText.Render(value, secrets))
                    : new ActionParameter(name, $"<piped {ParameterText.TypeName(value)}>"));
            }

            return parameters;
        }

        /// <summary>The store an incident named with -IncidentId is in: where the incident cmdlets would look for it.</summary>
        private static IIncidentStore DefaultStore(PSCmdlet cmdlet)
        {
            var defaults = cmdlet.GetVariableValue("PSDefaultParameterValues") as IDictionary;
            var store = IncidentStoreDefaults.Find(defaults, IncidentStoreDefaults.IncidentCommand, "Store") as string;
            var credential = IncidentStoreDefaults.Find(defaults, IncidentStoreDefaults.IncidentCommand, "StoreCredential") as PSCredential;
            return IncidentStoreLocator.Open(store, credential?.GetNetworkCredential(), OpsRunbookCommand.Environment,
                cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath);
        }

        // Writing from Dispose is allowed from PowerShell 7.3 on; where it is not, the host still hears of it.
        private static void Say(PSCmdlet cmdlet, Action write, Action? fallback = null)
        {
            try
            {
                write();
            }
            catch (Exception) when (fallback is not null)
            {
                try
                {
                    fallback();
                }
                catch (Exception)
                {
                    // No host to tell: the command's own result stands.
                }
            }
            catch (Exception)
            {
                // Verbose text that cannot be written is not missed.
            }
        }
    }
}
