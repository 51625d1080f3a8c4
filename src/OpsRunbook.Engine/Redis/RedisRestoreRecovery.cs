using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Containers;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// Puts right what Redis restores that were killed left, as their records (<see cref="RedisRestoreMark"/>) say,
    /// and says what it did: a server left replicating a temporary server that died with its restore becomes a
    /// primary again (its masterauth emptied again when the restore had set it); a container left stopped is started.
    /// </summary>
    internal static class RedisRestoreRecovery
    {
        /// <summary>For the servers this session reaches.</summary>
        public static async Task RepairReplicasAsync(RedisSession session, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var servers = session.Servers.ToDictionary(RedisSession.Endpoint, StringComparer.OrdinalIgnoreCase);
            foreach (var (record, mark) in RedisRestoreMark.Abandoned())
            {
                if (record.Kind != "replica" || record.Endpoint is null || !servers.TryGetValue(record.Endpoint, out var server))
                {
                    mark.Release();
                    continue;
                }

                try
                {
                    var replication = RedisInfoText.Parse(await session.RunAsync(server, () => server.InfoRawAsync("replication"), "reading INFO replication", cancellationToken)
                        .ConfigureAwait(false));
                    var following = replication.Text("role") == "slave" && replication.Text("master_host") == record.SourceHost
                        && replication.Text("master_port") == record.SourcePort?.ToString(CultureInfo.InvariantCulture);
                    if (following)
                    {
                        await session.RunAsync(server, () => server.ExecuteAsync("REPLICAOF", "NO", "ONE"), "becoming a primary again", cancellationToken).ConfigureAwait(false);
                    }

                    if (record.MasterAuthSet)
                    {
                        await session.RunAsync(server, () => server.ExecuteAsync("CONFIG", "SET", "masterauth", string.Empty), "emptying masterauth again", cancellationToken)
                            .ConfigureAwait(false);
                    }

                    mark.Dispose();
                    reporter.Warning(following
                        ? $"{record.Target} ({record.Endpoint}) was left replicating the temporary server of a {record} that was stopped; it is a primary again, with the data it had loaded."
                        : $"Cleared the record of a {record} that was stopped; {record.Endpoint} was a primary already.");
                }
                catch (OpsRunbookException ex)
                {
                    mark.Release();
                    reporter.Warning($"{record.Target} ({record.Endpoint}) may still replicate the temporary server of a {record} that was stopped, and could not be made a primary again: {ex.Message}");
                }
            }
        }

        /// <summary>Every container a killed restore left stopped, on whichever daemon it runs; returns the ones started.</summary>
        public static async Task<IReadOnlyList<string>> RepairContainersAsync(Func<string, string?> environment, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var restarted = new List<string>();
            foreach (var (record, mark) in RedisRestoreMark.Abandoned())
            {
                if (record.Kind != "container" || record.Container is null)
                {
                    mark.Release();
                    continue;
                }

                try
                {
                    using var docker = DockerConnection.Open(record.DockerHost, environment);
                    var started = await new ContainerLifecycle(docker).StartAsync(record.Container, OperationReporter.None, cancellationToken).ConfigureAwait(false);
                    mark.Dispose();
                    if (started.Changed)
                    {
                        restarted.Add(record.Container);
                    }

                    reporter.Warning(started.Changed
                        ? $"Started the container {record.Container} of {record.Target} again: a {record} stopped it and was stopped before it started it. It holds the old snapshot or the new one, whole."
                        : $"Cleared the record of a {record} that was stopped; the container {record.Container} was running.");
                }
                catch (OpsRunbookException ex) when (ex.ErrorId == ContainerErrors.ContainerNotFound)
                {
                    mark.Dispose();
                    reporter.Warning($"Cleared the record of a {record} that was stopped: the container {record.Container} no longer exists.");
                }
                catch (OpsRunbookException ex)
                {
                    mark.Release();
                    reporter.Warning($"The container {record.Container} of {record.Target} may be stopped since a {record} was stopped, and could not be started: {ex.Message}");
                }
            }

            return restarted;
        }
    }
}
