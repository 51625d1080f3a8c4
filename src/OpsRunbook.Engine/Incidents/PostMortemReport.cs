using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using OpsRunbook.Engine.Incidents.Notifications;

using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>
    /// The post-mortem of seeds 001 and 004 as Markdown: summary, impact, the four times (to detect, acknowledge,
    /// mitigate, resolve), the timeline with its timestamps and the escalations that fell due, root cause, resolution,
    /// action items and the evidence files. All from the incident's own record; times in UTC.
    /// </summary>
    public static class PostMortemReport
    {
        public static string Write(Incident incident)
        {
            var md = new StringBuilder();
            md.AppendLine($"# Post-mortem: {incident.Id} - {Cell(incident.Title)}").AppendLine();
            md.AppendLine("| | |").AppendLine("|---|---|");
            Row(md, "Severity", $"{incident.Severity} (respond within {incident.ResponseTarget})");
            Row(md, "Status", incident.Status.ToString());
            Row(md, "Commander", incident.Commander ?? "not named");
            Row(md, "Services", incident.Services.Length > 0 ? string.Join(", ", incident.Services) : "none recorded");
            Row(md, "Detected", Time(incident.DetectedAt));
            Row(md, "Opened", Time(incident.StartedAt));
            Row(md, "Resolved", incident.ResolvedAt is { } resolved ? Time(resolved) : "not yet");
            Row(md, "Duration", incident.Duration is { } duration ? Span(duration) : "open for " + Span(incident.Age));
            Row(md, "Escalated to", incident.EscalationLevel ?? "nobody");
            Row(md, "Post-mortem due", incident.PostMortemDueAt is { } due ? Time(due) : $"not required for a {incident.Severity}");
            Row(md, "Store", incident.Store);
            md.AppendLine();

            md.AppendLine("## Summary").AppendLine();
            md.Append($"{Sentence(incident.Title)} A {incident.Severity} incident");
            md.Append(incident.Services.Length > 0 ? $" affecting {string.Join(", ", incident.Services)}" : string.Empty);
            md.Append($", detected at {Time(incident.DetectedAt)}");
            md.Append(incident.TimeToResolve is { } ttr ? $" and resolved {IncidentMessages.HumanDuration(ttr)} later." : ", not resolved yet.");
            if (incident.RootCause is not null)
            {
                md.Append($" Root cause: {Sentence(incident.RootCause)}");
            }

            md.AppendLine().AppendLine();

            md.AppendLine("## Impact").AppendLine();
            md.AppendLine(incident.Impact is null ? "Who was affected was not recorded." : Sentence(incident.Impact));
            md.AppendLine();
            var impactStart = incident.ImpactStartedAt ?? incident.DetectedAt;
            var impactEnd = incident.MitigatedAt ?? incident.ResolvedAt;
            md.AppendLine(impactEnd is { } end
                ? $"Impact from {Time(impactStart)} to {Time(end)}: {Span(end - impactStart)}{(incident.ImpactStartedAt is null ? " (counted from detection: the start of the impact was not recorded)" : string.Empty)}."
                : $"Impact since {Time(impactStart)}, not yet mitigated.");
            md.AppendLine();

            md.AppendLine("## Response times").AppendLine();
            md.AppendLine("| Measure | From | To | Time |").AppendLine("|---|---|---|---|");
            Measure(md, "Time to detect", "impact began", incident.ImpactStartedAt, "detected", incident.DetectedAt, incident.TimeToDetect);
            Measure(md, "Time to acknowledge", "detected", incident.DetectedAt, "acknowledged", incident.AcknowledgedAt, incident.TimeToAcknowledge);
            Measure(md, "Time to mitigate", "detected", incident.DetectedAt, "mitigated", incident.MitigatedAt, incident.TimeToMitigate);
            Measure(md, "Time to resolve", "detected", incident.DetectedAt, "resolved", incident.ResolvedAt, incident.TimeToResolve);
            md.AppendLine();
            md.AppendLine(incident.AcknowledgedAt is { } acknowledged
                ? $"Response target {incident.ResponseTarget}, due {Time(incident.ResponseDeadline)}: {(acknowledged <= incident.ResponseDeadline ? "met" : "missed")}."
                : $"Response target {incident.ResponseTarget}, due {Time(incident.ResponseDeadline)}: not acknowledged.");
            md.AppendLine();

            md.AppendLine("## Timeline").AppendLine();
            md.AppendLine("| Time (UTC) | Event | What happened | By |").AppendLine("|---|---|---|---|");
            foreach (var (time, kind, text, author) in Timeline(incident))
            {
                md.AppendLine($"| {Time(time, withZone: false)} | {kind} | {Cell(text)} | {Cell(author ?? string.Empty)} |");
            }

            md.AppendLine();
            WriteActions(md, incident);
            md.AppendLine("## Root cause").AppendLine().AppendLine(incident.RootCause ?? "Not recorded.").AppendLine();
            md.AppendLine("## Resolution").AppendLine().AppendLine(incident.Resolution ?? "Not recorded.").AppendLine();

            md.AppendLine("## Action items").AppendLine();
            if (incident.ActionItems.Length == 0)
            {
                md.AppendLine("None recorded (Add-IncidentNote -ActionItem, or Close-Incident -ActionItem).");
            }

            foreach (var item in incident.ActionItems)
            {
                md.AppendLine($"- [ ] {item}");
            }

            md.AppendLine();
            md.AppendLine("## Evidence").AppendLine();
            if (incident.Evidence.Length == 0)
            {
                md.AppendLine("No evidence was collected.");
            }
            else
            {
                md.AppendLine($"In {incident.EvidencePath}; every secret in it is masked as [REDACTED].").AppendLine();
                md.AppendLine("| File | What | Bytes | Masked | SHA-256 |").AppendLine("|---|---|---:|---:|---|");
                foreach (var item in incident.Evidence)
                {
                    md.AppendLine($"| {Cell(item.Name)} | {Cell(item.Source)} | {item.Bytes} | {item.Redactions} | `{item.Sha256}` |");
                }
            }

            var skipped = incident.Timeline.Where(e => e.Kind == IncidentEventKind.EvidenceSkipped).ToList();
            if (skipped.Count > 0)
            {
                md.AppendLine().AppendLine("Not reachable at the time:").AppendLine();
                foreach (var entry in skipped)
                {
                    md.AppendLine($"- {entry.Text}");
                }
            }

            return md.ToString();
        }

        /// <summary>
        /// Where the report of an incident goes when saved to <paramref name="path"/>: the file itself, or &lt;Id&gt;-postmortem.md
        /// in it when it is a folder (one that exists, or a new one: a path that ends in a separator or has no extension).
        /// </summary>
        public static string TargetFile(string path, string id) =>
            Directory.Exists(path) || Path.EndsInDirectorySeparator(path) || !Path.HasExtension(path) ? Path.Combine(path, id + "-postmortem.md") : path;

        /// <summary>Writes the report (to a hidden name, renamed when complete). An existing file is replaced only with <paramref name="overwrite"/>.</summary>
        public static void Save(string report, string file, bool overwrite)
        {
            if (File.Exists(file) && !overwrite)
            {
                throw new OpsRunbookException(IncidentErrors.ReportExists, FailureCategory.ResourceExists, $"The file {file} exists; it was left as it is.", file,
                    "Add -Force to replace it, or give another -Path.");
            }

            var partial = Path.Combine(Path.GetDirectoryName(file) ?? ".", "." + Path.GetFileName(file) + ".partial");
            try
            {
                PrivateFiles.CreateFolder(Path.GetDirectoryName(file) ?? ".");
                File.Delete(partial);
                PrivateFiles.Write(partial, new UTF8Encoding(false).GetBytes(report));
                File.Move(partial, file, overwrite);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new OpsRunbookException(IncidentErrors.ReportUnwritable, ex is UnauthorizedAccessException ? FailureCategory.PermissionDenied : FailureCategory.WriteError,
                    $"The post-mortem cannot be written to {file}: {ex.Message}", file, "Give -Path a file or folder you can write.", ex);
            }
            finally
            {
                try
                {
                    File.Delete(partial);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Nothing was written under it, or it is already gone.
                }
            }
        }

        /// <summary>
        /// Every OpsRunbook command run for the incident, in the order they started: the command line as typed (secrets
        /// masked when recorded), when it started, how long it took, what it found or changed, and its error.
        /// </summary>
        private static void WriteActions(StringBuilder md, Incident incident)
        {
            md.AppendLine("## Actions taken").AppendLine();
            if (incident.Actions.Length == 0)
            {
                md.AppendLine("No OpsRunbook command was recorded (commands run while the incident is current, or with -IncidentId, are).").AppendLine();
                return;
            }

            var failed = incident.Actions.Count(a => a.Error is not null);
            md.AppendLine($"{incident.Actions.Length} commands{(failed > 0 ? $", {failed} of them failed" : string.Empty)}; times in UTC.").AppendLine();
            md.AppendLine("| Started (UTC) | Took | Command | Result | By |").AppendLine("|---|---|---|---|---|");
            foreach (var action in incident.Actions)
            {
                var result = action.Error is null ? action.Summary : $"**failed**: {action.Error}" + (action.Summary is "failed" or "no output" ? string.Empty : $" ({action.Summary})");
                md.AppendLine($"| {Time(action.StartedAt, withZone: false)} | {Took(action.Duration)} | {Code(action.CommandLine)} | {Cell(result)} | {Cell(action.Author ?? string.Empty)} |");
            }

            md.AppendLine();
        }

        /// <summary>Seconds to the millisecond: 0.042 s, 12.300 s, 01:02:03.4 beyond a minute.</summary>
        public static string Took(TimeSpan duration) =>
            duration < TimeSpan.FromMinutes(1)
                ? duration.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s"
                : DurationText.Format(duration)!;

        // A command line in a cell: code, with its own backticks and the column separator escaped.
        private static string Code(string text) => "`" + Cell(text).Replace("`", "'", StringComparison.Ordinal) + "`";

        /// <summary>The recorded entries, with the escalations that fell due between them.</summary>
        private static IEnumerable<(DateTimeOffset Time, string Kind, string Text, string? Author)> Timeline(Incident incident)
        {
            var rows = incident.Timeline.Select(e => (e.Time, e.Kind.ToString(), e.Text, e.Author)).ToList();
            var state = EscalationPath.Evaluate(incident.EscalationPolicy, incident.Severity, incident.DetectedAt, incident.ResolvedAt ?? incident.AsOf,
                incident.Status == IncidentStatus.Resolved);
            foreach (var (level, at) in state.Reached)
            {
                rows.Add((at, "Escalation", $"{level.Name} due ({Span(level.After)} after detection)", null));
            }

            rows.Add((incident.DetectedAt, "Detected", "First seen" + (incident.ImpactStartedAt is null ? string.Empty : $" ({Span(incident.TimeToDetect ?? TimeSpan.Zero)} after the impact began)"), null));
            return rows.OrderBy(r => r.Item1).ThenBy(r => r.Item2 == "Detected" ? 0 : 1);
        }

        private static void Measure(StringBuilder md, string measure, string fromName, DateTimeOffset? from, string toName, DateTimeOffset? to, TimeSpan? span) =>
            md.AppendLine($"| {measure} | {fromName} {(from is { } f ? Time(f) : "(not recorded)")} | {toName} {(to is { } t ? Time(t) : "(not yet)")} | {(span is { } s ? Span(s) : "-")} |");

        private static void Row(StringBuilder md, string name, string value) => md.AppendLine($"| {name} | {Cell(value)} |");

        /// <summary>00:05:03.2 (5 minutes): exact, and as a person says it.</summary>
        public static string Span(TimeSpan span) => $"{DurationText.Format(span)} ({IncidentMessages.HumanDuration(span)})";

        public static string Time(DateTimeOffset time, bool withZone = true) =>
            time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + (withZone ? " UTC" : string.Empty);

        private static string Sentence(string text) => text.TrimEnd().EndsWith('.') ? text.Trim() : text.Trim() + ".";

        // A table cell holds one line and no column separator.
        private static string Cell(string text) => text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);
    }
}
