using System;
using System.Collections;
using System.Linq;
using System.Text.Json;
using OpsRunbook.Engine.Incidents;
using OpsRunbook.Engine.Incidents.Actions;
using Xunit;

namespace OpsRunbook.Tests.Incidents
{
    /// <summary>What a command did, as its timeline entry says it: summarised, timed, and with no secret left in it.</summary>
    public sealed class ActionTimelineTests
    {
        private static readonly DateTimeOffset T0 = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        private static ServiceHealth Health(string name, HealthStatus status, string? error = null) =>
            new(name, ServiceKind.Http, $"http://127.0.0.1/{name}") { Status = status, Error = error };

        [Fact]
        public void Summarises_health_by_status_and_names_what_is_not_healthy()
        {
            var summary = new ActionSummary();
            summary.Observe(Health("postgres", HealthStatus.Healthy));
            summary.Observe(Health("api", HealthStatus.Unhealthy, "HTTP 503"));
            summary.Observe(Health("redis", HealthStatus.Healthy));
            summary.Observe(Health("cache", HealthStatus.Degraded, "used_memory 95% of maxmemory"));

            Assert.Equal("4 services: 1 Degraded, 2 Healthy, 1 Unhealthy (api: HTTP 503, cache: used_memory 95% of maxmemory)", summary.Describe());
            Assert.Null(summary.DescribeErrors());
        }

        [Fact]
        public void Counts_log_lines_by_level_and_never_quotes_them()
        {
            var summary = new ActionSummary();
            for (var i = 0; i < 100_000; i++)
            {
                summary.Observe(new LogEntry("/var/log/app.log", i + 1, $"{{\"level\":\"ERROR\",\"password\":\"{TestBed.Password}\"}}") { Level = i % 10 == 9 ? "warn" : "error" });
            }

            var text = summary.Describe();
            Assert.Equal("100,000 log entries: 90,000 error, 10,000 warn", text);
            Assert.Equal(100_000, summary.Outputs);
        }

        [Fact]
        public void Names_other_objects_by_type_with_a_few_examples_and_says_when_it_wrote_nothing()
        {
            var summary = new ActionSummary();
            Assert.Equal("no output", summary.Describe());

            foreach (var table in new[] { "orders", "events", "customers", "audit" })
            {
                summary.Observe(new TableSize("postgres://app@db/portfolio_advisor", "portfolio_advisor", "public", table) { TotalBytes = 2048 });
            }

            Assert.Equal("4 TableSize: public.orders: 2.0 kB, public.events: 2.0 kB, public.customers: 2.0 kB, ...", summary.Describe());
            Assert.Equal("4 TableSize: public.orders: 2.0 kB, public.events: 2.0 kB, public.customers: 2.0 kB, ... (stopped before it finished)", summary.Describe(stopped: true));
        }

        [Fact]
        public void Keeps_the_first_error_and_counts_the_rest()
        {
            var summary = new ActionSummary();
            summary.ObserveError("ContainerNotFound: no container named api");
            summary.ObserveError("ContainerNotFound: no container named web");

            Assert.Equal("failed", summary.Describe());
            Assert.Equal("ContainerNotFound: no container named api (and 1 more errors)", summary.DescribeErrors());
        }

        [Fact]
        public void Renders_the_command_line_as_typed()
        {
            var text = ActionTimeline.RenderParameters(new[]
            {
                new ActionParameter("Name", "api, worker"), new ActionParameter("Force", null), new ActionParameter("Confirm", "$false"),
                new ActionParameter("Filter", "{ $_.Data.duration -gt 1000 }"),
            });

            Assert.Equal("-Name api, worker -Force -Confirm:$false -Filter { $_.Data.duration -gt 1000 }", text);
        }

        [Fact]
        public void Masks_every_secret_in_the_parameters_summary_and_error()
        {
            var password = TestBed.Password;
            var encoded = Uri.EscapeDataString(password);
            var summary = new ActionSummary();
            summary.Observe(Health("db", HealthStatus.Unhealthy, $"password authentication failed for {password}"));
            summary.ObserveError($"ConnectFailed: cannot reach postgres://app:{encoded}@db:5432/app");
            var record = new ActionRecord
            {
                Command = "Get-ServiceHealth",
                Parameters = new[]
                {
                    new ActionParameter("Uri", $"postgres://app:{encoded}@127.0.0.1:5432/app, Host=db;Username=app;Password={password}"),
                    new ActionParameter("Credential", "<PSCredential app>"),
                    new ActionParameter("WebhookUri", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX"),
                    new ActionParameter("Note", "rotated sk-live-3f9a0c1b2d4e5f60718293a4 and the credential-of-bob"),
                },
                StartedAt = T0,
                Duration = TimeSpan.FromMilliseconds(1234.5),
                Summary = summary,
                Secrets = new[] { "credential-of-bob" },
            };

            var entry = ActionTimeline.ToEntry(record, ActionTimeline.EnvironmentSecrets(new Hashtable { ["PGPASSWORD"] = password }), "alice@host");
            var json = entry.ToJson();

            SecretAssert.Absent(json);
            Assert.DoesNotContain("sk-live-3f9a0c1b2d4e5f60718293a4", json, StringComparison.Ordinal);
            Assert.DoesNotContain("credential-of-bob", json, StringComparison.Ordinal);
            Assert.DoesNotContain("XXXXXXXXXXXXXXXX", json, StringComparison.Ordinal);
            Assert.Contains("postgres://app:[REDACTED]@127.0.0.1:5432/app", entry.Parameters, StringComparison.Ordinal);
            Assert.Contains("<PSCredential app>", entry.Parameters, StringComparison.Ordinal);
            Assert.StartsWith("1 service: 1 Unhealthy (db: password authentication failed for [REDACTED]", entry.Text, StringComparison.Ordinal);
            Assert.Equal("ConnectFailed: cannot reach postgres://app:[REDACTED]@db:5432/app", entry.Error);
            Assert.Equal(IncidentEventKind.Action, entry.Kind);
            Assert.Equal(T0, entry.StartedAt);
            Assert.Equal(TimeSpan.FromMilliseconds(1234.5), entry.Duration);
            Assert.Equal("alice@host", entry.Author);
        }

        [Fact]
        public void Finds_the_secrets_of_an_environment_by_name_and_inside_connection_strings()
        {
            var secrets = ActionTimeline.EnvironmentSecrets(new Hashtable
            {
                ["PGPASSWORD"] = "pg-secret-1",
                ["PORTFOLIO_REDIS_PASSWORD"] = "redis-secret-2",
                ["SLACK_WEBHOOK_URL"] = "https://hooks.slack.com/services/T1/B2/abcdef",
                ["DATABASE_URL"] = "postgres://app:url-secret-3@db:5432/app",
                ["REDIS_URL"] = "redis://:url-secret-4@cache:6379",
                ["HOME"] = "/root",
                ["PGUSER"] = "postgres",
            });

            Assert.Equal(new[] { "https://hooks.slack.com/services/T1/B2/abcdef", "pg-secret-1", "redis-secret-2", "url-secret-3", "url-secret-4" },
                secrets.OrderBy(s => s, StringComparer.Ordinal));
        }

        [Fact]
        public void A_long_command_line_is_cut_and_the_entry_stays_one_line()
        {
            var record = new ActionRecord
            {
                Command = "Get-ServiceHealth",
                Parameters = new[] { new ActionParameter("Uri", string.Join(", ", Enumerable.Range(1, 500).Select(i => $"http://127.0.0.1:8000/{i}"))) },
                Summary = new ActionSummary(),
            };

            var entry = ActionTimeline.ToEntry(record, Array.Empty<string>(), "alice@host");
            Assert.True(entry.Parameters!.Length <= ActionTimeline.MaxParametersLength);
            Assert.DoesNotContain('\n', entry.ToJson());
        }

        [Fact]
        public void The_incident_lists_its_actions_in_the_order_they_started_and_they_do_not_acknowledge_it()
        {
            var incident = IncidentProjection.Build("INC-20261127-007", new[]
            {
                new IncidentEntry(IncidentEventKind.Opened) { Title = "api down", Severity = IncidentSeverity.P1, Time = T0, Sequence = 1 },
                Action(2, "Restart-ServiceContainer", startedSeconds: 20, tookMs: 5300, recordedSeconds: 25.3),
                Action(3, "Get-ServiceHealth", startedSeconds: 10, tookMs: 42, recordedSeconds: 26, error: "TargetMissing: No service to probe was given."),
            }, "/var/incidents", T0.AddMinutes(1), TimeZoneInfo.Utc);

            Assert.Equal(new[] { "Get-ServiceHealth", "Restart-ServiceContainer" }, incident.Actions.Select(a => a.Command));
            Assert.Null(incident.AcknowledgedAt);
            var restart = incident.Actions[1];
            Assert.Equal(T0.AddSeconds(20), restart.StartedAt);
            Assert.Equal(TimeSpan.FromMilliseconds(5300), restart.Duration);
            Assert.Equal(T0.AddSeconds(25.3), restart.RecordedAt);
            Assert.Equal("Restart-ServiceContainer -Name api -Confirm:$false", restart.CommandLine);
            Assert.True(restart.Succeeded);
            Assert.False(incident.Actions[0].Succeeded);
            Assert.Equal("Ran Restart-ServiceContainer (5.300 s): 1 container: 1 Running (api-1 (Running))", incident.Timeline.Single(e => e.Sequence == 2).Text);
            Assert.Equal("Ran Get-ServiceHealth (0.042 s): failed: TargetMissing: No service to probe was given. (1 container: 1 Running (api-1 (Running)))", incident.Timeline.Single(e => e.Sequence == 3).Text);
            Assert.Equal("Restart-ServiceContainer", incident.Timeline.Single(e => e.Sequence == 2).Command);
        }

        [Fact]
        public void The_report_lists_every_action_with_its_start_duration_and_result()
        {
            var incident = IncidentProjection.Build("INC-20261127-008", new[]
            {
                new IncidentEntry(IncidentEventKind.Opened) { Title = "api down", Severity = IncidentSeverity.P1, Time = T0, Sequence = 1 },
                Action(2, "Restart-ServiceContainer", startedSeconds: 20, tookMs: 5300, recordedSeconds: 25.3),
                Action(3, "Get-ServiceHealth", startedSeconds: 90, tookMs: 61_250, recordedSeconds: 152, error: "ProbeFailed: a | b"),
            }, "/var/incidents", T0.AddMinutes(5), TimeZoneInfo.Utc);

            var report = PostMortemReport.Write(incident);

            Assert.Contains("\n## Actions taken\n\n2 commands, 1 of them failed; times in UTC.\n", report, StringComparison.Ordinal);
            Assert.Contains("| 2026-11-27 10:00:20.000 | 5.300 s | `Restart-ServiceContainer -Name api -Confirm:$false` | 1 container: 1 Running (api-1 (Running)) | alice@host |", report, StringComparison.Ordinal);
            Assert.Contains("| 2026-11-27 10:01:30.000 | 00:01:01.2 | `Get-ServiceHealth -Name api -Confirm:$false` | **failed**: ProbeFailed: a \\| b (1 container: 1 Running (api-1 (Running))) | alice@host |", report, StringComparison.Ordinal);
            Assert.True(report.IndexOf("## Timeline", StringComparison.Ordinal) < report.IndexOf("## Actions taken", StringComparison.Ordinal));
            Assert.True(report.IndexOf("## Actions taken", StringComparison.Ordinal) < report.IndexOf("## Root cause", StringComparison.Ordinal));

            var none = PostMortemReport.Write(IncidentProjection.Build("INC-20261127-009", new[]
            {
                new IncidentEntry(IncidentEventKind.Opened) { Title = "quiet", Severity = IncidentSeverity.P3, Time = T0, Sequence = 1 },
            }, "/var/incidents", T0, TimeZoneInfo.Utc));
            Assert.Contains("## Actions taken\n\nNo OpsRunbook command was recorded", none, StringComparison.Ordinal);
        }

        private static IncidentEntry Action(long sequence, string command, double startedSeconds, double tookMs, double recordedSeconds, string? error = null) =>
            new(IncidentEventKind.Action)
            {
                Sequence = sequence,
                Time = T0.AddSeconds(recordedSeconds),
                Command = command,
                Parameters = "-Name api -Confirm:$false",
                StartedAt = T0.AddSeconds(startedSeconds),
                Duration = TimeSpan.FromMilliseconds(tookMs),
                Text = "1 container: 1 Running (api-1 (Running))",
                Error = error,
                Author = "alice@host",
            };
    }
}
