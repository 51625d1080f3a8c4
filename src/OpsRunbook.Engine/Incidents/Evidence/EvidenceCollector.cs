using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Observability;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Incidents.Evidence
{
    /// <summary>What to snapshot into an incident's evidence folder.</summary>
    public sealed record EvidenceRequest
    {
        /// <summary>The incident's own evidence folder; known once the incident has its Id.</summary>
        public string Folder { get; init; } = string.Empty;

        /// <summary>Health results given to the incident (piped in), healthy or not.</summary>
        public IReadOnlyList<ServiceHealth> Observed { get; init; } = Array.Empty<ServiceHealth>();

        /// <summary>Services to probe now: the inventory's.</summary>
        public IReadOnlyList<ProbeTarget> Targets { get; init; } = Array.Empty<ProbeTarget>();

        /// <summary>The affected services, whose containers' error lines are taken.</summary>
        public IReadOnlyList<string> AffectedServices { get; init; } = Array.Empty<string>();

        /// <summary>The container that runs a service, where the inventory says (its Container field).</summary>
        public IReadOnlyDictionary<string, string> ServiceContainers { get; init; } = new Dictionary<string, string>();

        public string? DockerHost { get; init; }

        /// <summary>The budget of each source.</summary>
        public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

        /// <summary>At most this many error lines per container, the latest.</summary>
        public int LogLines { get; init; } = 200;

        /// <summary>Other values to mask wherever they appear (the webhook, the store's password).</summary>
        public IReadOnlyList<string?> Secrets { get; init; } = Array.Empty<string?>();
    }

    /// <summary>
    /// Seed 001's "Preserve evidence": snapshots what is reachable — the health of every service, the states of
    /// the containers and the recent error lines of the affected ones, each PostgreSQL server's activity, each
    /// Redis server's INFO — one redacted file each. A source that cannot be reached within its budget is recorded
    /// as skipped, with why; it never stops the others or the incident.
    /// </summary>
    public sealed class EvidenceCollector
    {
        /// <summary>How far back in a container's log to look for error lines.</summary>
        public const int LogWindow = 1000;

        private static readonly Regex ErrorWords = new(@"\b(error|exception|fatal|panic|traceback|failed)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // Relaxed escaping: evidence is read by people (and grep), so quotes and + stay as they are.
        private static readonly JsonSerializerOptions Json = new()
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter() },
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };

        private readonly Func<string, string?> _environment;

        public EvidenceCollector(Func<string, string?> environment)
        {
            _environment = environment;
        }

        /// <summary>Collects and returns the timeline entries: one Evidence entry per file, one EvidenceSkipped per unreachable source.</summary>
        public async Task<IReadOnlyList<IncidentEntry>> CollectAsync(EvidenceRequest request, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var probes = request.Targets.Concat(request.Observed.Select(h => h.Probe).OfType<ProbeTarget>()).ToList();
            var writer = new EvidenceWriter(request.Folder, new EvidenceRedactor(probes.SelectMany(p => p.Probe.Secrets).Concat(request.Secrets)));
            var entries = new List<IncidentEntry>();
            var activity = $"Collecting evidence into {request.Folder}";

            void Step(string status, int percent) => reporter.Progress(new OperationProgress(activity, status, percent));

            Step("health", 0);
            await TryAsync(entries, writer, "service health", request.Timeout, token => HealthAsync(request, writer, token), cancellationToken).ConfigureAwait(false);
            Step("containers and their logs", 25);
            var docker = $"the Docker Engine at {request.DockerHost ?? _environment("DOCKER_HOST") ?? DockerConnection.DefaultHost}";
            await TryAsync(entries, writer, docker, request.Timeout, token => ContainersAsync(request, writer, token), cancellationToken).ConfigureAwait(false);
            Step("database activity", 50);
            foreach (var (name, connection) in Distinct(probes, p => (p.Probe as PostgresHealthProbe)?.Connection, c => c.DisplayTarget))
            {
                await TryAsync(entries, writer, $"database activity of {connection.DisplayTarget}", request.Timeout,
                    token => DatabaseAsync(name, connection, request.Timeout, writer, token), cancellationToken).ConfigureAwait(false);
            }

            Step("Redis INFO", 75);
            foreach (var (name, connection) in Distinct(probes, p => (p.Probe as RedisHealthProbe)?.Connection, c => c.DisplayTarget))
            {
                await TryAsync(entries, writer, $"Redis INFO of {connection.DisplayTarget}", request.Timeout,
                    token => RedisAsync(name, connection, request.Timeout, writer, token), cancellationToken).ConfigureAwait(false);
            }

            reporter.Progress(new OperationProgress(activity, "Done", 100, Completed: true));
            return entries;
        }

        // One source within its budget. Whatever keeps it from answering is written down, not thrown: only the caller's cancellation ends it all.
        private static async Task TryAsync(List<IncidentEntry> entries, EvidenceWriter writer, string source, TimeSpan budget,
            Func<CancellationToken, Task<IReadOnlyList<IncidentEntry>>> collect, CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(budget);
            try
            {
                entries.AddRange(await collect(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var reason = ex is OperationCanceledException || deadline.IsCancellationRequested
                    ? $"no answer within {budget.TotalSeconds:0.#} s"
                    : ex is OpsRunbookException known ? known.Message : ex.GetBaseException().Message;
                entries.Add(writer.Skipped(source, reason));
            }
        }

        private static async Task<IReadOnlyList<IncidentEntry>> HealthAsync(EvidenceRequest request, EvidenceWriter writer, CancellationToken cancellationToken)
        {
            var fresh = new List<ServiceHealth>();
            if (request.Targets.Count > 0)
            {
                var checker = new HealthChecker(request.Timeout, 16);
                await foreach (var result in checker.CheckAsync(request.Targets, OperationReporter.None, cancellationToken).ConfigureAwait(false))
                {
                    fresh.Add(result);
                }
            }

            // Fresh results first; what was piped in stays as it was seen, unless probed again just now.
            var all = fresh.Concat(request.Observed.Where(o => !fresh.Any(f => f.Name.Equals(o.Name, StringComparison.OrdinalIgnoreCase)))).ToList();
            if (all.Count == 0)
            {
                return Array.Empty<IncidentEntry>();
            }

            var notHealthy = all.Count(h => h.Status != HealthStatus.Healthy);
            var text = JsonSerializer.Serialize(all, Json);
            return new[] { writer.Write("health", "json", $"health of {all.Count} services ({notHealthy} not healthy)", text) };
        }

        private async Task<IReadOnlyList<IncidentEntry>> ContainersAsync(EvidenceRequest request, EvidenceWriter writer, CancellationToken cancellationToken)
        {
            using var docker = DockerConnection.Open(request.DockerHost, _environment);
            var all = await new ContainerCatalog(docker).FindAsync(new ContainerQuery(null, Array.Empty<string>(), Array.Empty<string>(), All: true), cancellationToken)
                .ConfigureAwait(false);
            var affected = all.Where(c => IsAffected(c, request)).ToList();
            var projects = affected.Select(c => c.Project).OfType<string>().ToHashSet(StringComparer.Ordinal);
            // The affected containers' compose projects, as `docker compose ps` shows them; every container when none is affected.
            var shown = affected.Count > 0
                ? all.Where(c => affected.Contains(c) || (c.Project is not null && projects.Contains(c.Project))).ToList()
                : all.Take(200).ToList();
            var entries = new List<IncidentEntry>
            {
                writer.Write("containers", "json", $"states of {shown.Count} containers on {docker.Host}", JsonSerializer.Serialize(shown, Json)),
            };

            var reader = new ContainerLogReader(docker);
            foreach (var container in affected)
            {
                var lines = new Queue<ContainerLogLine>();
                await foreach (var line in reader.ReadAsync(container, new LogQuery(LogWindow, null, null, Array.Empty<string>(), null, false), cancellationToken)
                    .ConfigureAwait(false))
                {
                    if (IsError(line))
                    {
                        lines.Enqueue(line);
                        if (lines.Count > request.LogLines)
                        {
                            lines.Dequeue();
                        }
                    }
                }

                var text = new StringBuilder($"# error lines among the last {LogWindow} lines of container {container.Name} ({container.State})\n");
                foreach (var line in lines)
                {
                    text.Append(line.Timestamp?.ToString("O", CultureInfo.InvariantCulture) ?? "-").Append(' ').Append(line.Stream.ToString().ToLowerInvariant())
                        .Append(' ').Append(line.Line).Append('\n');
                }

                entries.Add(writer.Write($"logs-{container.Name}", "log", $"{lines.Count} error lines of container {container.Name}", text.ToString()));
            }

            return entries;
        }

        private static bool IsAffected(ServiceContainer container, EvidenceRequest request)
        {
            foreach (var service in request.AffectedServices)
            {
                // The inventory's Container names the one; without it, the compose service (or container) of that name.
                if (request.ServiceContainers.TryGetValue(service, out var mapped)
                    ? mapped.Equals(container.Name, StringComparison.OrdinalIgnoreCase)
                    : service.Equals(container.Service, StringComparison.OrdinalIgnoreCase) || service.Equals(container.Name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            // A Container probe that found trouble names its container.
            return request.Observed.Any(h => h.Kind == ServiceKind.Container && h.Status != HealthStatus.Healthy &&
                ContainerHealthProbe.ContainerName(h.Target).Equals(container.Name, StringComparison.OrdinalIgnoreCase));
        }

        private static bool IsError(ContainerLogLine line) =>
            line.Level is "error" or "fatal" || (line.Level is null && ErrorWords.IsMatch(line.Message));

        private static async Task<IReadOnlyList<IncidentEntry>> DatabaseAsync(string name, PostgresConnectionInfo connection, TimeSpan timeout,
            EvidenceWriter writer, CancellationToken cancellationToken)
        {
            var reader = new DatabaseActivityReader(new DatabaseConnector(connection, timeout));
            var filter = new ActivityFilter();
            var summary = await reader.SummarizeAsync(filter, OperationReporter.None, cancellationToken).ConfigureAwait(false);
            var sessions = await reader.ReadAsync(filter, OperationReporter.None, cancellationToken).ConfigureAwait(false);
            var text = JsonSerializer.Serialize(new { Server = connection.DisplayTarget, Summary = summary, Sessions = sessions }, Json);
            return new[] { writer.Write($"database-{name}", "json", $"activity of {connection.DisplayTarget}: {summary.Connections} of {summary.MaxConnections} connections, {sessions.Count} sessions", text) };
        }

        private static async Task<IReadOnlyList<IncidentEntry>> RedisAsync(string name, RedisConnectionInfo connection, TimeSpan timeout,
            EvidenceWriter writer, CancellationToken cancellationToken)
        {
            var options = connection.CreateOptions();
            var milliseconds = (int)Math.Max(1, timeout.TotalMilliseconds);
            options.AbortOnConnectFail = true;
            options.ConnectRetry = 1;
            options.ConnectTimeout = milliseconds;
            options.SyncTimeout = milliseconds;
            options.AsyncTimeout = milliseconds;
            options.ClientName = "opsrunbook-evidence";
            options.AllowAdmin = true; // INFO counts as an admin command to StackExchange.Redis; nothing else is sent

            // The multiplexer reports a refused port only at its connect timeout; a plain connect first says so at once
            // (a Redis that is down is what many incidents are about).
            foreach (var endpoint in connection.HostEndpoints)
            {
                using var socket = await Health.TcpHealthProbe.Connect(endpoint, cancellationToken).ConfigureAwait(false);
            }

            await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null).WaitAsync(cancellationToken).ConfigureAwait(false);
            var server = multiplexer.GetServer(multiplexer.GetEndPoints()[0]);
            var info = await server.InfoRawAsync("everything").WaitAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty;
            return new[] { writer.Write($"redis-{name}", "txt", $"Redis INFO of {connection.DisplayTarget}", info.Replace("\r\n", "\n", StringComparison.Ordinal)) };
        }

        // Each server once, under the name of the first service that reaches it.
        private static IEnumerable<(string Name, T Connection)> Distinct<T>(IEnumerable<ProbeTarget> probes, Func<ProbeTarget, T?> connectionOf, Func<T, string> key)
            where T : class
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var probe in probes)
            {
                if (connectionOf(probe) is T connection && seen.Add(key(connection)))
                {
                    yield return (probe.Name, connection);
                }
            }
        }
    }
}
