using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Database
{
    /// <summary>Databases of a server, chosen by name, for the operations that visit several.</summary>
    internal static class DatabaseCatalog
    {
        // Templates and databases that refuse connections cannot be visited; those the user may not connect to are left out.
        private const string ConnectableDatabases =
            "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND has_database_privilege(datname, 'CONNECT') ORDER BY datname";

        public static async Task<IReadOnlyList<string>> SelectAsync(NpgsqlConnection connection, IReadOnlyCollection<string> patterns,
            string server, CancellationToken cancellationToken)
        {
            var names = new List<string>();
            await using (var command = new NpgsqlCommand(ConnectableDatabases, connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    names.Add(reader.GetString(0));
                }
            }

            return CatalogNames.Select(names, n => n, n => n, patterns, name => NotFound(name, server, names, " that this user may connect to"));
        }

        public static OpsRunbookException NotFound(string name, string server, IReadOnlyCollection<string> existing, string which = "") =>
            new(DatabaseErrors.DatabaseNotFound, FailureCategory.ObjectNotFound,
                $"The server {server} has no database named '{name}'{which}. It has: {string.Join(", ", existing)}.",
                name, "Give the name of one of those databases; wildcards are allowed.");
    }
}
