using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>
    /// Rebuilds an incident from its log, entry by entry: nothing about an incident is kept anywhere but there.
    /// Escalation, age and the next update are worked out for <c>now</c>.
    /// </summary>
    public static class IncidentProjection
    {
        public static Incident Build(string id, IReadOnlyList<IncidentEntry> entries, string store, DateTimeOffset now, TimeZoneInfo? zone = null)
        {
            var opened = entries.Count > 0 && entries[0].Kind == IncidentEventKind.Opened
                ? entries[0]
                : throw new InvalidOperationException($"The log of {id} does not begin with its opening.");
            var severity = opened.Severity ?? IncidentSeverity.P2;
            var detectedAt = opened.DetectedAt ?? opened.Time;
            var policy = opened.EscalationPolicy ?? EscalationLevel.Default;

            var status = IncidentStatus.Investigating;
            DateTimeOffset? acknowledged = opened.Commander is null ? null : opened.Time;
            DateTimeOffset? mitigated = null, resolved = null;
            var lastUpdate = opened.Time;
            string? rootCause = null, resolution = null, evidenceFolder = null;
            var services = new List<string>();
            var actionItems = new List<string>();
            var evidence = new List<IncidentEvidence>();
            var timeline = new List<IncidentEvent>();
            var actions = new List<IncidentAction>();
            int notes = 0, failures = 0;

            foreach (var entry in entries)
            {
                switch (entry.Kind)
                {
                    case IncidentEventKind.ServiceAffected when entry.Service is not null:
                        if (!services.Contains(entry.Service, StringComparer.OrdinalIgnoreCase))
                        {
                            services.Add(entry.Service);
                        }

                        break;
                    case IncidentEventKind.Evidence when entry.Path is not null:
                        evidenceFolder = entry.EvidenceFolder ?? evidenceFolder;
                        evidence.Add(new IncidentEvidence(entry.Name ?? System.IO.Path.GetFileName(entry.Path), entry.Path, entry.Source ?? string.Empty)
                        {
                            Bytes = entry.Bytes ?? 0,
                            Sha256 = entry.Sha256,
                            Redactions = entry.Redactions ?? 0,
                            CollectedAt = entry.Time,
                        });
                        break;
                    case IncidentEventKind.EvidenceSkipped:
                        evidenceFolder = entry.EvidenceFolder ?? evidenceFolder;
                        break;
                    case IncidentEventKind.Note:
                        notes++;
                        acknowledged ??= entry.Time;
                        break;
                    case IncidentEventKind.ActionItem when entry.Text is not null:
                        actionItems.Add(entry.Text);
                        acknowledged ??= entry.Time;
                        break;
                    case IncidentEventKind.NotificationFailed:
                        failures++;
                        break;
                    case IncidentEventKind.Notified:
                        lastUpdate = entry.Time;
                        break;
                    case IncidentEventKind.Action when entry.Command is not null:
                        // Not an acknowledgement: a runbook script runs commands the moment it opens an incident; a person
                        // acknowledges with a note, a status or a commander.
                        actions.Add(new IncidentAction(id, entry.Sequence, entry.Command)
                        {
                            Parameters = entry.Parameters ?? string.Empty,
                            StartedAt = entry.StartedAt ?? entry.Time,
                            Duration = entry.Duration ?? TimeSpan.Zero,
                            Summary = entry.Text ?? string.Empty,
                            Error = entry.Error,
                            Author = entry.Author,
                            RecordedAt = entry.Time,
                        });
                        break;
                }

                var previous = status;
                if (entry.Kind == IncidentEventKind.StatusChanged && entry.Status is IncidentStatus next)
                {
                    status = next;
                    acknowledged ??= entry.Time;
                    lastUpdate = entry.Time;
                    rootCause = entry.RootCause ?? rootCause;
                    switch (next)
                    {
                        case IncidentStatus.Investigating or IncidentStatus.Identified:
                            // Back from Monitoring (or reopened): the impact is not over after all.
                            mitigated = null;
                            resolved = null;
                            break;
                        case IncidentStatus.Monitoring:
                            mitigated ??= entry.Time;
                            resolved = null;
                            break;
                        case IncidentStatus.Resolved:
                            mitigated ??= entry.Time;
                            resolved = entry.Time;
                            break;
                    }
                }
                else if (entry.Kind == IncidentEventKind.Resolved)
                {
                    status = IncidentStatus.Resolved;
                    acknowledged ??= entry.Time;
                    mitigated ??= entry.Time;
                    resolved = entry.Time;
                    lastUpdate = entry.Time;
                    rootCause = entry.RootCause ?? rootCause;
                    resolution = entry.Resolution ?? resolution;
                }

                timeline.Add(new IncidentEvent(id, entry.Sequence, entry.Time, entry.Kind, Describe(entry, previous))
                {
                    Author = entry.Author,
                    Service = entry.Service,
                    Status = entry.Kind switch
                    {
                        IncidentEventKind.StatusChanged => entry.Status,
                        IncidentEventKind.Resolved => IncidentStatus.Resolved,
                        IncidentEventKind.Opened => IncidentStatus.Investigating,
                        _ => null,
                    },
                    Path = entry.Path,
                    Command = entry.Command,
                });
            }

            var isResolved = status == IncidentStatus.Resolved;
            var escalation = EscalationPath.Evaluate(policy, severity, detectedAt, resolved ?? now, isResolved);
            return new Incident(id, opened.Title ?? id)
            {
                Severity = severity,
                Status = status,
                Commander = opened.Commander,
                Services = services.ToArray(),
                Impact = opened.Impact,
                ImpactStartedAt = opened.ImpactStartedAt,
                DetectedAt = detectedAt,
                StartedAt = opened.Time,
                AcknowledgedAt = acknowledged,
                MitigatedAt = mitigated,
                ResolvedAt = resolved,
                ResponseTarget = SeverityPolicy.ResponseTarget(severity),
                ResponseDeadline = SeverityPolicy.ResponseDeadline(severity, detectedAt, zone ?? TimeZoneInfo.Local),
                Duration = resolved - opened.Time,
                TimeToDetect = detectedAt - opened.ImpactStartedAt,
                TimeToAcknowledge = acknowledged - detectedAt,
                TimeToMitigate = mitigated - detectedAt,
                TimeToResolve = resolved - detectedAt,
                EscalationLevel = escalation.Current?.Name,
                NextEscalation = escalation.Next?.Name,
                NextEscalationAt = escalation.NextAt,
                EscalationPolicy = policy,
                NextUpdateAt = isResolved ? null : lastUpdate + SeverityPolicy.UpdateInterval(severity),
                PostMortemDueAt = isResolved && SeverityPolicy.NeedsPostMortem(severity) ? resolved + SeverityPolicy.PostMortemWindow : null,
                RootCause = rootCause,
                Resolution = resolution,
                ActionItems = actionItems.ToArray(),
                NoteCount = notes,
                EvidencePath = evidenceFolder,
                Evidence = evidence.ToArray(),
                NotificationFailures = failures,
                Timeline = timeline.ToArray(),
                Actions = actions.OrderBy(a => a.StartedAt).ThenBy(a => a.Sequence).ToArray(),
                Store = store,
                AsOf = now,
            };
        }

        /// <summary>The timeline's words for an entry.</summary>
        public static string Describe(IncidentEntry entry, IncidentStatus statusBefore) => entry.Kind switch
        {
            IncidentEventKind.Opened =>
                $"Opened {entry.Severity} incident: {entry.Title}" + (entry.Commander is null ? string.Empty : $" (commander: {entry.Commander})"),
            IncidentEventKind.ServiceAffected =>
                $"{entry.Service} is {entry.ServiceStatus ?? "affected"}" + (entry.Error is null ? string.Empty : ": " + entry.Error) +
                (entry.ObservedAt is { } seen ? $" (seen {seen.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)} UTC)" : string.Empty),
            IncidentEventKind.Evidence =>
                $"Evidence {entry.Name}: {entry.Source} ({entry.Bytes ?? 0} bytes" + (entry.Redactions is > 0 ? $", {entry.Redactions} secrets masked)" : ")"),
            IncidentEventKind.EvidenceSkipped => $"No evidence from {entry.Source}: {entry.Error}",
            IncidentEventKind.Note => entry.Text ?? string.Empty,
            IncidentEventKind.ActionItem => "Action item: " + entry.Text,
            IncidentEventKind.StatusChanged =>
                $"Status {statusBefore} -> {entry.Status}" + (entry.Text is null ? string.Empty : ": " + entry.Text) +
                (entry.RootCause is null ? string.Empty : $" (root cause: {entry.RootCause})"),
            IncidentEventKind.Notified => $"Sent {entry.Message} to {entry.Channel}" + (entry.Attempts is > 1 ? $" (attempt {entry.Attempts})" : string.Empty),
            IncidentEventKind.NotificationFailed => $"Could not send {entry.Message} to {entry.Channel} after {entry.Attempts} attempts: {entry.Error}",
            IncidentEventKind.Resolved => $"Resolved: {entry.Resolution} (root cause: {entry.RootCause})",
            IncidentEventKind.Action =>
                $"Ran {entry.Command}" + (entry.Duration is { } took ? $" ({PostMortemReport.Took(took)})" : string.Empty) + ": " +
                (entry.Error is null ? entry.Text : $"failed: {entry.Error}" + (entry.Text is null or "failed" or "no output" ? string.Empty : $" ({entry.Text})")),
            _ => entry.Kind.ToString(),
        };
    }
}
