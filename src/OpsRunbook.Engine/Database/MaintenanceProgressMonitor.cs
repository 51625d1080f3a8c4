using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Watches a maintenance statement from a second connection while it runs: whether it waits for another
    /// session's lock, and how far it is by the pg_stat_progress_* view its command fills (vacuum, cluster for
    /// VACUUM FULL, analyze, create_index for REINDEX) where the server has it. Opened only for statements that
    /// outlast the first poll, so quick ones cost nothing.
    /// </summary>
    internal sealed class MaintenanceProgressMonitor : IAsyncDisposable
    {
        public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

        // Each view as (phase, blocks done, blocks in all) for one pid.
        private static readonly (string View, string Done, string Total)[] ProgressViews =
        {
            ("pg_stat_progress_vacuum", "heap_blks_scanned", "heap_blks_total"),
            ("pg_stat_progress_cluster", "heap_blks_scanned", "heap_blks_total"),
            ("pg_stat_progress_analyze", "sample_blks_scanned", "sample_blks_total"),
            ("pg_stat_progress_create_index", "blocks_done", "blocks_total"),
        };

        private readonly DatabaseConnector _connector;
        private readonly int _pid;
        private NpgsqlConnection? _connection;
        private string? _query;
        private bool _unavailable;

        public MaintenanceProgressMonitor(DatabaseConnector connector, int pid)
        {
            _connector = connector;
            _pid = pid;
        }

        /// <summary>Reports progress until <paramref name="statement"/> ends or the token is cancelled; awaiting the statement is the caller's.</summary>
        /// <param name="describe">Builds the progress from what the server shows: (waiting for these pids, phase, done, total).</param>
        public async Task WatchAsync(Task statement, Func<ProgressSample, OperationProgress> describe, IOperationReporter reporter,
            CancellationToken cancellationToken)
        {
            while (!statement.IsCompleted)
            {
                await Task.WhenAny(statement, Task.Delay(PollInterval, cancellationToken)).ConfigureAwait(false);
                if (statement.IsCompleted || cancellationToken.IsCancellationRequested || _unavailable)
                {
                    break;
                }

                if (await SampleAsync(reporter, cancellationToken).ConfigureAwait(false) is ProgressSample sample)
                {
                    reporter.Progress(describe(sample));
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        private async Task<ProgressSample?> SampleAsync(IOperationReporter reporter, CancellationToken cancellationToken)
        {
            try
            {
                if (_connection is null)
                {
                    _connection = await _connector.OpenAsync("maintenance progress", cancellationToken).ConfigureAwait(false);
                    _query = await BuildQueryAsync(_connection, cancellationToken).ConfigureAwait(false);
                }

                await using var command = new NpgsqlCommand(_query, _connection);
                command.Parameters.AddWithValue("pid", _pid);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return null;
                }

                var waitingFor = reader.GetString(0) == "Lock" ? reader.GetFieldValue<int[]>(1) : Array.Empty<int>();
                return new ProgressSample(
                    waitingFor,
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    reader.IsDBNull(4) ? null : reader.GetInt64(4));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is OpsRunbookException || DatabaseFailure.IsDriverFailure(ex)))
            {
                // Progress is a courtesy: the maintenance goes on without it.
                _unavailable = true;
                reporter.Verbose($"No progress for this statement: {DatabaseFailure.Describe(ex, _connector.Timeout)}");
                return null;
            }
        }

        // Only the views this server has: pg_stat_progress_cluster and _create_index came in PostgreSQL 12, _analyze in 13.
        private static async Task<string> BuildQueryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var present = new List<(string View, string Done, string Total)>();
            foreach (var view in ProgressViews)
            {
                await using var check = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
                check.Parameters.AddWithValue("name", "pg_catalog." + view.View);
                if (await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
                {
                    present.Add(view);
                }
            }

            var progress = present.Count == 0
                ? "SELECT NULL::text AS phase, NULL::bigint AS done, NULL::bigint AS total WHERE false"
                : string.Join(" UNION ALL ", present.Select(v => $"SELECT phase, {v.Done}, {v.Total} FROM pg_catalog.{v.View} WHERE pid = @pid"));
            return $"""
                SELECT COALESCE(a.wait_event_type, ''), pg_blocking_pids(a.pid), p.phase, p.done, p.total
                FROM pg_stat_activity a
                LEFT JOIN LATERAL ({progress} LIMIT 1) p(phase, done, total) ON true
                WHERE a.pid = @pid
                """;
        }
    }

    /// <summary>What the server shows of a running maintenance statement.</summary>
    /// <param name="WaitingFor">Pids holding the lock it waits for; empty when it is not waiting for one.</param>
    internal sealed record ProgressSample(int[] WaitingFor, string? Phase, long? Done, long? Total)
    {
        /// <summary>0 to 1 when the server counts blocks for this phase, else null.</summary>
        public double? Fraction => Total is > 0 && Done is long done ? Math.Clamp((double)done / Total.Value, 0, 1) : null;

        public override string ToString() =>
            WaitingFor.Length > 0 ? $"waiting for a lock held by pid {string.Join(", ", WaitingFor)}"
            : Phase is null ? "running"
            : Fraction is double f ? $"{Phase}, {Math.Round(f * 100)}% of {Total} blocks"
            : Phase;
    }
}
