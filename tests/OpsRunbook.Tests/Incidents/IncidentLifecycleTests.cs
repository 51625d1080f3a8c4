using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Notifications;
using OpsRunbook.Engine.Incidents.Stores;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>The incident's way from opening to resolution, in a folder store, with the test service's webhook.</summary>
    public sealed class IncidentLifecycleTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "orb-lifecycle-" + Guid.NewGuid().ToString("N")[..8]);
        private readonly IncidentLifecycle _lifecycle;

        public IncidentLifecycleTests()
        {
            _lifecycle = new IncidentLifecycle(new LocalIncidentStore(_folder), Env.None, "tester@test");
        }

        public void Dispose()
        {
            if (Directory.Exists(_folder))
            {
                Directory.Delete(_folder, recursive: true);
            }
        }

        private static ServiceHealth Health(string name, HealthStatus status, string? error, DateTimeOffset checkedAt) =>
            new(name, ServiceKind.Http, $"http://127.0.0.1/{name}") { Status = status, Error = error, CheckedAt = checkedAt };

        [Fact]
        public async Task Opens_from_health_results_with_the_unhealthy_ones_as_affected_services()
        {
            var seen = DateTimeOffset.Now.AddSeconds(-20);
            var opening = new IncidentOpening
            {
                Severity = IncidentSeverity.P1,
                Observed = new[]
                {
                    Health("api", HealthStatus.Unhealthy, "HTTP 503 from /health/ready", seen),
                    Health("postgres", HealthStatus.Healthy, null, seen.AddSeconds(1)),
                },
            };
            var incident = await _lifecycle.StartAsync(opening, null, OperationReporter.None, CancellationToken.None);

            Assert.Matches(@"^INC-\d{8}-001$", incident.Id);
            Assert.Equal("api is Unhealthy: HTTP 503 from /health/ready", incident.Title);
            Assert.Equal(IncidentStatus.Investigating, incident.Status);
            Assert.Equal(new[] { "api" }, incident.Services);
            Assert.Equal(seen, incident.DetectedAt);
            Assert.True(incident.StartedAt > incident.DetectedAt);
            Assert.Equal(incident.DetectedAt.AddMinutes(15), incident.ResponseDeadline);
            Assert.Null(incident.AcknowledgedAt);
            Assert.Equal("On-call engineer", incident.EscalationLevel);
            Assert.Equal("Team lead", incident.NextEscalation);
            Assert.Equal(seen.AddMinutes(30), incident.NextEscalationAt);
            Assert.Equal(incident.StartedAt.AddMinutes(15), incident.NextUpdateAt);
            Assert.Equal(new[] { IncidentEventKind.Opened, IncidentEventKind.ServiceAffected }, incident.Timeline.Select(e => e.Kind));
            Assert.Contains("HTTP 503", incident.Timeline[1].Text, StringComparison.Ordinal);
            Assert.Equal("tester@test", incident.Timeline[0].Author);
        }

        [Fact]
        public async Task Times_acknowledgement_mitigation_and_resolution_from_the_timeline()
        {
            var incident = await _lifecycle.StartAsync(new IncidentOpening { Severity = IncidentSeverity.P0, Title = "Database unavailable", Services = new[] { "postgres" } },
                null, OperationReporter.None, CancellationToken.None);
            Assert.Equal(incident.StartedAt, incident.DetectedAt);

            var note = await _lifecycle.AddNoteAsync(incident.Id, "Looking at the connection pool", actionItem: false, CancellationToken.None);
            var identified = await _lifecycle.SetStatusAsync(incident.Id, IncidentStatus.Identified, "Pool exhausted", "A batch job holds every connection",
                null, OperationReporter.None, CancellationToken.None);
            var monitoring = await _lifecycle.SetStatusAsync(incident.Id, IncidentStatus.Monitoring, "Batch job stopped", null, null, OperationReporter.None, CancellationToken.None);
            var closed = await _lifecycle.CloseAsync(incident.Id, "Stopped the batch job and raised the pool size", "Batch job without a connection limit",
                new[] { "Limit the batch job's connections", "Alert at 80% of max_connections" }, null, OperationReporter.None, CancellationToken.None);

            Assert.Equal(note.Time, closed.AcknowledgedAt);
            Assert.Equal(note.Time - closed.DetectedAt, closed.TimeToAcknowledge);
            var monitoredAt = monitoring.Timeline.Last(e => e.Kind == IncidentEventKind.StatusChanged).Time;
            Assert.Equal(monitoredAt, closed.MitigatedAt);
            Assert.Equal(monitoredAt - closed.DetectedAt, closed.TimeToMitigate);
            var resolvedAt = closed.Timeline.Single(e => e.Kind == IncidentEventKind.Resolved).Time;
            Assert.Equal(resolvedAt, closed.ResolvedAt);
            Assert.Equal(resolvedAt - closed.StartedAt, closed.Duration);
            Assert.Equal(resolvedAt - closed.DetectedAt, closed.TimeToResolve);
            Assert.Null(closed.TimeToDetect);
            Assert.Equal(IncidentStatus.Resolved, closed.Status);
            Assert.Equal("Batch job without a connection limit", closed.RootCause);
            Assert.Equal(new[] { "Limit the batch job's connections", "Alert at 80% of max_connections" }, closed.ActionItems);
            Assert.Equal(resolvedAt.AddHours(48), closed.PostMortemDueAt);
            Assert.Null(closed.NextEscalation);
            Assert.Null(closed.NextUpdateAt);
            Assert.Equal(1, closed.NoteCount);
            Assert.Equal("Status Investigating -> Identified: Pool exhausted (root cause: A batch job holds every connection)",
                identified.Timeline.Last().Text);
        }

        [Fact]
        public async Task Refuses_to_resolve_twice_and_can_be_reopened()
        {
            var incident = await _lifecycle.StartAsync(new IncidentOpening { Severity = IncidentSeverity.P2, Title = "Cache misses" }, null, OperationReporter.None, CancellationToken.None);
            await _lifecycle.CloseAsync(incident.Id, "Warmed the cache", "Cold start", Array.Empty<string>(), null, OperationReporter.None, CancellationToken.None);

            var twice = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                _lifecycle.CloseAsync(incident.Id, "again", "again", Array.Empty<string>(), null, OperationReporter.None, CancellationToken.None));
            Assert.Equal("IncidentAlreadyResolved", twice.ErrorId);
            Assert.Equal(FailureCategory.InvalidOperation, twice.Category);
            Assert.Single((await _lifecycle.ReadAsync(incident.Id, CancellationToken.None)).Timeline, e => e.Kind == IncidentEventKind.Resolved);

            var reopened = await _lifecycle.SetStatusAsync(incident.Id, IncidentStatus.Investigating, "Misses are back", null, null, OperationReporter.None, CancellationToken.None);
            Assert.Equal(IncidentStatus.Investigating, reopened.Status);
            Assert.Null(reopened.ResolvedAt);
            Assert.Null(reopened.MitigatedAt);
            Assert.NotNull(reopened.NextEscalation);
        }

        [Fact]
        public async Task Opened_with_a_commander_is_acknowledged_at_once_and_the_impact_start_times_detection()
        {
            var impact = DateTimeOffset.Now.AddMinutes(-7);
            var incident = await _lifecycle.StartAsync(new IncidentOpening
            {
                Severity = IncidentSeverity.P1,
                Title = "Checkout errors",
                Commander = "alice",
                ImpactStartedAt = impact,
            }, null, OperationReporter.None, CancellationToken.None);

            Assert.Equal(incident.StartedAt, incident.AcknowledgedAt);
            Assert.Equal(incident.DetectedAt - impact, incident.TimeToDetect);
            Assert.Equal(TimeSpan.Zero, incident.TimeToAcknowledge);
        }

        [Fact]
        public async Task Bad_input_is_refused_before_anything_is_written()
        {
            var untitled = await Assert.ThrowsAsync<OpsRunbookException>(() =>
                _lifecycle.StartAsync(new IncidentOpening { Severity = IncidentSeverity.P2 }, null, OperationReporter.None, CancellationToken.None));
            Assert.Equal("IncidentTitleMissing", untitled.ErrorId);

            var policy = await Assert.ThrowsAsync<OpsRunbookException>(() => _lifecycle.StartAsync(new IncidentOpening
            {
                Severity = IncidentSeverity.P2,
                Title = "x",
                EscalationPolicy = new[] { new EscalationLevel(string.Empty, TimeSpan.FromMinutes(5)) },
            }, null, OperationReporter.None, CancellationToken.None));
            Assert.Equal("InvalidEscalationPolicy", policy.ErrorId);
            Assert.False(Directory.Exists(_folder) && Directory.EnumerateFiles(_folder, "*.jsonl").Any());

            var note = await Assert.ThrowsAsync<OpsRunbookException>(() => _lifecycle.AddNoteAsync("INC-20200101-001", "hello", false, CancellationToken.None));
            Assert.Equal("IncidentNotFound", note.ErrorId);
        }

        [Fact]
        public async Task Sends_the_three_templates_and_records_each_delivery_on_the_timeline()
        {
            var webhook = new TestWebhook();
            var notifier = new WebhookNotifier(webhook.Uri, TimeSpan.FromSeconds(5));
            var incident = await _lifecycle.StartAsync(new IncidentOpening { Severity = IncidentSeverity.P1, Title = "API down", Services = new[] { "api" } },
                notifier, OperationReporter.None, CancellationToken.None);
            await _lifecycle.SetStatusAsync(incident.Id, IncidentStatus.Identified, "Restarted the api", "Memory leak", notifier, OperationReporter.None, CancellationToken.None);
            var closed = await _lifecycle.CloseAsync(incident.Id, "Rolled back", "Memory leak in 1.4.2", Array.Empty<string>(), notifier, OperationReporter.None, CancellationToken.None);

            var posts = await webhook.PostsAsync();
            Assert.Equal(new[] { "[INCIDENT]", "[UPDATE]", "[RESOLVED]" }, posts.Select(p => p.Text!.Split(' ')[0]));
            Assert.Contains($"[INCIDENT] {incident.Id} - P1 - API down", posts[0].Text, StringComparison.Ordinal);
            Assert.Contains("Mitigation: Restarted the api", posts[1].Text, StringComparison.Ordinal);
            Assert.Contains("Root Cause: Memory leak", posts[1].Text, StringComparison.Ordinal);
            Assert.Contains("Resolution: Rolled back", posts[2].Text, StringComparison.Ordinal);
            Assert.Equal(3, closed.Timeline.Count(e => e.Kind == IncidentEventKind.Notified));
            Assert.Equal(0, closed.NotificationFailures);
        }

        [Fact]
        public async Task A_webhook_that_fails_is_a_warning_and_a_timeline_entry_and_the_incident_stands()
        {
            var webhook = new TestWebhook("?fail=99&status=502");
            var notifier = new WebhookNotifier(webhook.Uri, TimeSpan.FromSeconds(5), attempts: 2, firstWait: TimeSpan.FromMilliseconds(50));
            var reporter = new RecordingReporter();
            var incident = await _lifecycle.StartAsync(new IncidentOpening { Severity = IncidentSeverity.P1, Title = "Webhook down too" }, notifier, reporter, CancellationToken.None);

            Assert.Equal(IncidentStatus.Investigating, incident.Status);
            var failed = Assert.Single(incident.Timeline, e => e.Kind == IncidentEventKind.NotificationFailed);
            Assert.Contains("after 2 attempts: HTTP 502", failed.Text, StringComparison.Ordinal);
            Assert.Equal(1, incident.NotificationFailures);
            var warning = Assert.Single(reporter.Warnings);
            Assert.Contains(incident.Id, warning, StringComparison.Ordinal);
            Assert.Contains("[INCIDENT]", warning, StringComparison.Ordinal);
        }
    }
}
