using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// Database sizes (pg_database_size), and per table the total, heap, index and TOAST sizes, row and dead
    /// row counts, an estimated bloat ratio and the last (auto)vacuum and analyze: what the runbooks read
    /// with pg_size_pretty(pg_total_relation_size(...)) when the disk fills.
    /// </summary>
    public sealed class DatabaseSizeReader
    {
        // Sizes need the CONNECT privilege (or pg_read_all_stats); without it the size stays unknown instead of failing the rest.
        private const string DatabasesQuery = """
            SELECT d.datname, pg_get_userbyid(d.datdba),
                   CASE WHEN has_database_privilege(d.datname, 'CONNECT') OR pg_has_role('pg_read_all_stats', 'MEMBER')
                        THEN pg_database_size(d.oid) END,
                   COALESCE(s.numbackends, 0)
            FROM pg_database d
            LEFT JOIN pg_stat_database s ON s.datid = d.oid
            WHERE NOT d.datistemplate
            ORDER BY d.datname
            """;

        // User tables and materialized views with storage; other sessions' temporary tables are left out.
        private const string TablesQuery = """
            SELECT n.nspname, c.relname,
                   pg_total_relation_size(c.oid),
                   pg_indexes_size(c.oid),
                   COALESCE(pg_total_relation_size(NULLIF(c.reltoastrelid, 0)), 0),
                   pg_relation_size(c.oid, 'main'),
                   s.n_live_tup, s.n_dead_tup, c.reltuples::float8,
                   s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
                   COALESCE((SELECT o.option_value::int FROM pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor'), 100),
                   w.columns::int, w.described::int, w.data_width::float8, COALESCE(w.has_nulls, false),
                   current_setting('block_size')::int
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid
            LEFT JOIN LATERAL (
                SELECT count(*) AS columns, count(st.attname) AS described,
                       sum((1 - st.null_frac) * st.avg_width) AS data_width, bool_or(st.null_frac > 0) AS has_nulls
                FROM pg_attribute a
                LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname AND NOT st.inherited
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            ) w ON true
            WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't'
              AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'
            ORDER BY n.nspname, c.relname
            """;

        private readonly DatabaseConnector _connector;

        public DatabaseSizeReader(DatabaseConnector connector)
        {
            _connector = connector;
        }

        /// <summary>The databases matching the patterns (all but templates when none), largest first, at most <paramref name="top"/>.</summary>
        public async Task<IReadOnlyList<DatabaseSize>> ReadDatabasesAsync(IReadOnlyCollection<string> databases, int? top,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            await using var connection = await _connector.OpenAsync("database size", cancellationToken).ConfigureAwait(false);
            var sizes = new List<DatabaseSize>();
            try
            {
                await using var command = new NpgsqlCommand(DatabasesQuery, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    sizes.Add(new DatabaseSize(_connector.Server, reader.GetString(0))
                    {
                        Owner = reader.GetString(1),
                        SizeBytes = reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        Connections = reader.GetInt32(3),
                    });
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, "read the database sizes", _connector.Server);
            }

            var names = sizes.Select(s => s.Database).OrderBy(n => n, StringComparer.Ordinal).ToList();
            var chosen = CatalogNames.Select(sizes, s => s.Database, s => s.Database, databases,
                name => DatabaseCatalog.NotFound(name, _connector.Server, names));
            foreach (var unknown in chosen.Where(s => s.SizeBytes is null))
            {
                reporter.Warning($"The size of the database '{unknown.Database}' is unknown: this user may not connect to it.");
            }

            return Largest(chosen, s => s.SizeBytes ?? -1, top);
        }

        /// <summary>
        /// The tables of each database matching <paramref name="databases"/> (the connection's own database when
        /// none), largest first, at most <paramref name="top"/> per database. A database that fails yields a
        /// failure and the others go on.
        /// </summary>
        public async IAsyncEnumerable<Outcome<TableSize>> ReadTablesAsync(IReadOnlyCollection<string> databases, IReadOnlyCollection<string> tables,
            int? top, IOperationReporter reporter, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            IReadOnlyList<string> chosen;
            OpsRunbookException? failure = null;
            try
            {
                chosen = await ChooseDatabasesAsync(databases, cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex)
            {
                (chosen, failure) = (Array.Empty<string>(), ex);
            }

            if (failure is not null)
            {
                yield return Outcome<TableSize>.Failed(failure);
                yield break;
            }

            foreach (var database in chosen)
            {
                IReadOnlyList<TableSize> sizes;
                try
                {
                    sizes = await ReadTablesAsync(_connector.ForDatabase(database), tables, top, reporter, cancellationToken).ConfigureAwait(false);
                }
                catch (OpsRunbookException ex)
                {
                    (sizes, failure) = (Array.Empty<TableSize>(), ex);
                }

                if (failure is not null)
                {
                    yield return Outcome<TableSize>.Failed(failure);
                    failure = null;
                    continue;
                }

                foreach (var size in sizes)
                {
                    yield return Outcome<TableSize>.Success(size);
                }
            }
        }

        private async Task<IReadOnlyList<string>> ChooseDatabasesAsync(IReadOnlyCollection<string> databases, CancellationToken cancellationToken)
        {
            try
            {
                if (databases.Count == 0)
                {
                    return new[] { await _connector.DatabaseNameAsync(cancellationToken).ConfigureAwait(false) };
                }

                await using var connection = await _connector.OpenAsync("database size", cancellationToken).ConfigureAwait(false);
                return await DatabaseCatalog.SelectAsync(connection, databases, _connector.Server, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, _connector.Connection, _connector.Timeout, "list the databases", _connector.Server);
            }
        }

        private static async Task<IReadOnlyList<TableSize>> ReadTablesAsync(DatabaseConnector connector, IReadOnlyCollection<string> tables, int? top,
            IOperationReporter reporter, CancellationToken cancellationToken)
        {
            await using var connection = await connector.OpenAsync("database size", cancellationToken).ConfigureAwait(false);
            var database = connector.Connection.Database!;
            var sizes = new List<TableSize>();
            try
            {
                await using var command = new NpgsqlCommand(TablesQuery, connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    sizes.Add(ReadTable(reader, connector.Server, database));
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && DatabaseFailure.IsDriverFailure(ex))
            {
                throw DatabaseFailure.Running(ex, connector.Connection, connector.Timeout, $"read the table sizes of '{database}'", database);
            }

            if (reporter.IsVerbose)
            {
                reporter.Verbose($"{connector.Server}: {sizes.Count} tables.");
            }

            var chosen = CatalogNames.Select(sizes, t => t.Name, t => t.Table, tables, name => TableNotFound(name, database, connector.Server));
            return Largest(chosen, t => t.TotalBytes, top);
        }

        private static TableSize ReadTable(NpgsqlDataReader reader, string server, string database)
        {
            var total = reader.GetInt64(2);
            var indexes = reader.GetInt64(3);
            var toast = reader.GetInt64(4);
            var heap = reader.GetInt64(5);
            long? liveTuples = reader.IsDBNull(6) ? null : reader.GetInt64(6);
            var relTuples = reader.GetDouble(8);
            var rows = liveTuples ?? (relTuples >= 0 ? (long)relTuples : 0);
            var columns = reader.GetInt32(14);
            var described = reader.GetInt32(15);

            // Only a table whose every column the statistics describe can be estimated.
            (double Ratio, long Bytes)? bloat = columns > 0 && described == columns && !reader.IsDBNull(16)
                ? TableBloatEstimate.Estimate(heap, rows, columns, reader.GetDouble(16), reader.GetBoolean(17), reader.GetInt32(18), reader.GetInt32(13))
                : null;
            return new TableSize(server, database, reader.GetString(0), reader.GetString(1))
            {
                TotalBytes = total,
                IndexBytes = indexes,
                ToastBytes = toast,
                TableBytes = total - indexes - toast,
                RowEstimate = rows,
                DeadTuples = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
                BloatRatio = bloat?.Ratio,
                BloatBytes = bloat?.Bytes,
                LastVacuum = Time(reader, 9),
                LastAutovacuum = Time(reader, 10),
                LastAnalyze = Time(reader, 11),
                LastAutoanalyze = Time(reader, 12),
            };
        }

        public static OpsRunbookException TableNotFound(string name, string database, string server) =>
            new(DatabaseErrors.TableNotFound, FailureCategory.ObjectNotFound,
                $"The database '{database}' on {server} has no table named '{name}'.", name,
                "Give a table as name or schema.name (wildcards are allowed); Get-DatabaseSize -Table lists them.");

        private static IReadOnlyList<T> Largest<T>(IReadOnlyList<T> items, Func<T, long> size, int? top)
        {
            var ordered = items.OrderByDescending(size);
            return (top is int n ? ordered.Take(n) : ordered).ToList();
        }

        private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
            reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal).ToLocalTime();
    }
}
