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

        public static async Task<List<BackupManifest.TableRows>> CountAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
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

            var counts = new List<BackupManifest.TableRows>();
            foreach (var table in tables)
            {
                // The name comes from quote_ident above: safe to put in the statement.
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection) { CommandTimeout = 0 };
                counts.Add(new BackupManifest.TableRows { Table = table, Rows = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! });
            }

            return counts;
        }
    }
}
