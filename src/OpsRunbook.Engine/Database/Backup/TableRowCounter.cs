using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>Exact row counts of every user table, as the connection's snapshot sees them.</summary>
    internal static class TableRowCounter
    {
        private const string TablesQuery =
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
            "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%' " +
            "ORDER BY 1";

        // Rows inserted per table, as the server's statistics count them; exact in a database that was only ever
        // restored into (every row was one insert), and free, where count(*) reads every table again.
        private const string InsertedQuery =
            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname), n_tup_ins FROM pg_stat_user_tables ORDER BY 1";

        /// <summary>
        /// Row counts of a freshly restored database: the statistics' insert counts, with count(*) only for tables
        /// whose figure differs from <paramref name="expected"/> (statistics can lag) or that the statistics miss.
        /// </summary>
        public static async Task<List<BackupManifest.TableRows>> CountRestoredAsync(NpgsqlConnection connection, IReadOnlyDictionary<string, long> expected,
            CancellationToken cancellationToken)
        {
            var inserted = new Dictionary<string, long>();
            await using (var stats = new NpgsqlCommand(InsertedQuery, connection))
            await using (var reader = await stats.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    inserted[reader.GetString(0)] = reader.GetInt64(1);
                }
            }

            var counts = new List<BackupManifest.TableRows>();
            foreach (var table in await TablesAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                var rows = inserted.TryGetValue(table, out var fromStats) && expected.TryGetValue(table, out var wanted) && fromStats == wanted
                    ? fromStats
                    : await ExactAsync(connection, table, cancellationToken).ConfigureAwait(false);
                counts.Add(new BackupManifest.TableRows { Table = table, Rows = rows });
            }

            return counts;
        }

        public static async Task<List<BackupManifest.TableRows>> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var counts = new List<BackupManifest.TableRows>();
            foreach (var table in await TablesAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                counts.Add(new BackupManifest.TableRows { Table = table, Rows = await ExactAsync(connection, table, cancellationToken).ConfigureAwait(false) });
            }

            return counts;
        }

        private static async Task<List<string>> TablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var tables = new List<string>();
            await using (var list = new NpgsqlCommand(TablesQuery, connection))
            await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    tables.Add(reader.GetString(0));
                }
            }

            return tables;
        }

        // The name comes from quote_ident: safe to put in the statement.
        private static async Task<long> ExactAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection) { CommandTimeout = 0 };
            return (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }
}
