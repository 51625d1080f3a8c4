using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents.Evidence;
using OpsRunbook.Engine.Incidents.Notifications;
using OpsRunbook.Engine.Incidents.Stores;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>What Start-IncidentResponse was given.</summary>
    public sealed class IncidentOpening
    {
        public IncidentSeverity Severity { get; init; }

        /// <summary>Null to name it after the affected services.</summary>
        public string? Title { get; init; }

        public string? Commander { get; init; }

        public string? Impact { get; init; }

        /// <summary>Services named as affected (-Service).</summary>
        public IReadOnlyList<string> Services { get; init; } = Array.Empty<string>();

        /// <summary>Health results given (piped in): the ones not Healthy become affected services.</summary>
        public IReadOnlyList<ServiceHealth> Observed { get; init; } = Array.Empty<ServiceHealth>();

        public DateTimeOffset? ImpactStartedAt { get; init; }

        /// <summary>Null for seed 001's path.</summary>
        public IReadOnlyList<EscalationLevel>? EscalationPolicy { get; init; }

        /// <summary>Where the incident's evidence folder goes (the folder named after its Id is made inside); null for no evidence.</summary>
        public string? EvidenceRoot { get; init; }

        /// <summary>The evidence sources besides the observed results (the folder, the observed results and the affected services are filled in).</summary>
        public EvidenceRequest? Evidence { get; init; }
    }

    /// <summary>
    /// Opens incidents and moves them along: notes, status changes, resolution. Every change is appended to the
    /// store before anything else happens; evidence and messages come after, and their failures are recorded on
    /// the timeline and reported as warnings, never in place of the change.
    /// </summary>
    public sealed class IncidentLifecycle
    {
        private readonly IIncidentStore _store;
        private readonly Func<string, string?> _environment;
        private readonly string _author;

        public IncidentLifecycle(IIncidentStore store, Func<string, string?> environment, string? author = null)
        {
            _store = store;
            _environment = environment;
            _author = author ?? DefaultAuthor;
        }

        /// <summary>Who the entries of this session are by: user@host.</summary>
        public static string DefaultAuthor => $"{Environment.UserName}@{Environment.MachineName}";

        public IIncidentStore Store => _store;

        public async Task<Incident> StartAsync(IncidentOpening opening, WebhookNotifier? notifier, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var affected = opening.Observed.Where(h => h.Status != HealthStatus.Healthy).ToList();
            var services = opening.Services.Concat(affected.Select(h => h.Name)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var title = string.IsNullOrWhiteSpace(opening.Title) ? TitleFor(affected, services) : opening.Title.Trim();
            var entries = new List<IncidentEntry>
            {
                new(IncidentEventKind.Opened)
                {
                    Author = _author,
                    Title = title,
                    Severity = opening.Severity,
                    Commander = opening.Commander,
                    Impact = opening.Impact,
                    // Detected when the first probe found trouble; otherwise now, which the store's stamp makes it.
                    DetectedAt = affected.Count > 0 ? affected.Min(h => h.CheckedAt) : null,
                    ImpactStartedAt = opening.ImpactStartedAt,
                    EscalationPolicy = EscalationPath.Check(opening.EscalationPolicy ?? EscalationLevel.Default),
                },
            };
            foreach (var name in opening.Services.Where(s => !affected.Any(h => h.Name.Equals(s, StringComparison.OrdinalIgnoreCase))).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                entries.Add(new IncidentEntry(IncidentEventKind.ServiceAffected) { Author = _author, Service = name });
            }

            entries.AddRange(affected.Select(h => new IncidentEntry(IncidentEventKind.ServiceAffected)
            {
                Author = _author,
                Service = h.Name,
                ServiceKind = h.Kind.ToString(),
                ServiceStatus = h.Status.ToString(),
                Error = h.Error,
                ObservedAt = h.CheckedAt,
            }));

            var id = await _store.OpenAsync(entries, cancellationToken).ConfigureAwait(false);
            reporter.Verbose($"Opened {id} in {_store.Location}.");

            if (opening.EvidenceRoot is not null)
            {
                var request = (opening.Evidence ?? new EvidenceRequest()) with
                {
                    Folder = Path.Combine(opening.EvidenceRoot, id),
                    Observed = opening.Observed,
                    AffectedServices = services,
                    Secrets = (opening.Evidence?.Secrets ?? Array.Empty<string?>())
                        .Concat(_store is PostgresIncidentStore team ? team.Secrets : Array.Empty<string?>()).ToList(),
                };
                var collected = await new EvidenceCollector(_environment).CollectAsync(request, reporter, cancellationToken).ConfigureAwait(false);
                var stamped = collected.Select(e => e with { Author = _author }).ToList();
                if (stamped.Count > 0)
                {
                    await _store.AppendAsync(id, stamped, null, cancellationToken).ConfigureAwait(false);
                }

                foreach (var skipped in stamped.Where(e => e.Kind == IncidentEventKind.EvidenceSkipped))
                {
                    reporter.Warning($"{id}: no evidence from {skipped.Source}: {skipped.Error}");
                }
            }

            if (notifier is not null)
            {
                await NotifyAsync(id, IncidentMessages.Opened, notifier, reporter, cancellationToken).ConfigureAwait(false);
            }

            return await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Appends a note (or an action item) and returns it as the timeline shows it.</summary>
        public async Task<IncidentEvent> AddNoteAsync(string id, string text, bool actionItem, CancellationToken cancellationToken)
        {
            var entry = new IncidentEntry(actionItem ? IncidentEventKind.ActionItem : IncidentEventKind.Note) { Author = _author, Text = RequireText(text, "Text") };
            var stamped = (await _store.AppendAsync(id, new[] { entry }, null, cancellationToken).ConfigureAwait(false))[0];
            return new IncidentEvent(id, stamped.Sequence, stamped.Time, stamped.Kind, IncidentProjection.Describe(stamped, IncidentStatus.Investigating))
            {
                Author = stamped.Author,
            };
        }

        /// <summary>Moves the incident to a status; Resolved resolves it (Close-Incident records resolution and root cause too).</summary>
        public async Task<Incident> SetStatusAsync(string id, IncidentStatus status, string? note, string? rootCause, WebhookNotifier? notifier,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var entry = new IncidentEntry(IncidentEventKind.StatusChanged) { Author = _author, Status = status, Text = Optional(note), RootCause = Optional(rootCause) };
            await _store.AppendAsync(id, new[] { entry }, status == IncidentStatus.Resolved ? NotResolved(id) : null, cancellationToken).ConfigureAwait(false);
            if (notifier is not null)
            {
                await NotifyAsync(id, status == IncidentStatus.Resolved ? IncidentMessages.Resolved : incident => IncidentMessages.Update(incident, Optional(note)),
                    notifier, reporter, cancellationToken).ConfigureAwait(false);
            }

            return await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Resolves the incident with what fixed it and why it happened, and the action items that follow.</summary>
        public async Task<Incident> CloseAsync(string id, string resolution, string rootCause, IReadOnlyList<string> actionItems, WebhookNotifier? notifier,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var entries = new List<IncidentEntry>
            {
                new(IncidentEventKind.Resolved) { Author = _author, Resolution = RequireText(resolution, "Resolution"), RootCause = RequireText(rootCause, "RootCause") },
            };
            entries.AddRange(actionItems.Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => new IncidentEntry(IncidentEventKind.ActionItem) { Author = _author, Text = a.Trim() }));
            await _store.AppendAsync(id, entries, NotResolved(id), cancellationToken).ConfigureAwait(false);
            if (notifier is not null)
            {
                await NotifyAsync(id, IncidentMessages.Resolved, notifier, reporter, cancellationToken).ConfigureAwait(false);
            }

            return await ReadAsync(id, cancellationToken).ConfigureAwait(false);
        }

        public async Task<Incident> ReadAsync(string id, CancellationToken cancellationToken) =>
            IncidentProjection.Build(id, await _store.ReadAsync(id, cancellationToken).ConfigureAwait(false), _store.Location, DateTimeOffset.Now);

        /// <summary>Sends the message and records what became of it. A message that cannot be sent is a warning, never a failure of the change.</summary>
        private async Task NotifyAsync(string id, Func<Incident, string> message, WebhookNotifier notifier, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var text = message(await ReadAsync(id, cancellationToken).ConfigureAwait(false));
            var template = IncidentMessages.Template(text);
            var outcome = await notifier.SendAsync(text, reporter, cancellationToken).ConfigureAwait(false);
            var entry = new IncidentEntry(outcome.Delivered ? IncidentEventKind.Notified : IncidentEventKind.NotificationFailed)
            {
                Author = _author,
                Message = template,
                Channel = outcome.Channel,
                Attempts = outcome.Attempts,
                Error = outcome.Error,
            };
            await _store.AppendAsync(id, new[] { entry }, null, cancellationToken).ConfigureAwait(false);
            if (!outcome.Delivered)
            {
                reporter.Warning($"{id}: the {template} message could not be sent to {outcome.Channel} after {outcome.Attempts} attempts ({outcome.Error}). " +
                    "The incident is recorded; the failure is on its timeline.");
            }
            else if (reporter.IsVerbose)
            {
                reporter.Verbose($"{id}: sent {template} to {outcome.Channel}.");
            }
        }

        private Action<IReadOnlyList<IncidentEntry>> NotResolved(string id) => entries =>
        {
            var incident = IncidentProjection.Build(id, entries, _store.Location, DateTimeOffset.Now);
            if (incident.Status == IncidentStatus.Resolved)
            {
                throw new OpsRunbookException(IncidentErrors.IncidentAlreadyResolved, FailureCategory.InvalidOperation,
                    $"The incident {id} was resolved at {incident.ResolvedAt:u}; it was not changed.", id,
                    "Add-IncidentNote records what happened after; Set-IncidentStatus -Status Investigating reopens it.");
            }
        };

        private static string TitleFor(IReadOnlyList<ServiceHealth> affected, IReadOnlyList<string> services)
        {
            if (affected.Count == 1)
            {
                var health = affected[0];
                var title = $"{health.Name} is {health.Status}" + (health.Error is null ? string.Empty : ": " + health.Error);
                return title.Length <= 120 ? title : title[..117] + "...";
            }

            if (services.Count > 0)
            {
                return $"{services.Count} services affected: {string.Join(", ", services)}";
            }

            throw Failures.InvalidArgument(IncidentErrors.IncidentTitleMissing, "An incident needs a title, and nothing was given to name it after.", null,
                "Give -Title, or pipe in the ServiceHealth results of the affected services, or name them with -Service.");
        }

        private static string RequireText(string? text, string parameter) =>
            string.IsNullOrWhiteSpace(text)
                ? throw Failures.InvalidArgument(IncidentErrors.IncidentTextEmpty, $"-{parameter} is empty.", parameter, $"Give -{parameter} some words.")
                : text.Trim();

        private static string? Optional(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }
}
