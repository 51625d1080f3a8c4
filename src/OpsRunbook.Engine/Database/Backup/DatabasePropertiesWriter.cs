using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// Gives a freshly restored database the properties of the one it stands in for: its encoding, locale, owner and
    /// tablespace when it is created; its settings, connection limit, access list and public schema once its objects
    /// are restored; its comment in the transaction that swaps it in.
    /// </summary>
    internal static class DatabasePropertiesWriter
    {
        public static string CreateStatement(string name, DatabaseProperties properties, int serverMajor)
        {
            var sql = new StringBuilder($"CREATE DATABASE {RestoreSession.Quote(name)} TEMPLATE template0");
            if (properties.Owner is not null)
            {
                sql.Append(" OWNER ").Append(RestoreSession.Quote(properties.Owner));
            }

            Option("ENCODING", properties.Encoding);
            Option("LC_COLLATE", properties.Collation);
            Option("LC_CTYPE", properties.CharacterType);
            if (serverMajor >= 15 && properties.LocaleProvider is { } provider)
            {
                sql.Append(" LOCALE_PROVIDER ").Append(provider == "icu" ? "icu" : provider == "builtin" ? "builtin" : "libc");
                Option(provider == "builtin" ? "BUILTIN_LOCALE" : "ICU_LOCALE", properties.ProviderLocale);
                if (serverMajor >= 16)
                {
                    Option("ICU_RULES", properties.IcuRules);
                }
            }

            if (properties.Tablespace is not null)
            {
                sql.Append(" TABLESPACE ").Append(RestoreSession.Quote(properties.Tablespace));
            }

            return sql.ToString();

            void Option(string keyword, string? value)
            {
                if (value is not null)
                {
                    sql.Append(' ').Append(keyword).Append(' ').Append(SqlTokens.Quote(value));
                }
            }
        }

        /// <summary>
        /// Settings, connection limit and access list of the database, and its public schema's owner and access list,
        /// as <paramref name="properties"/> has them; the comment is left for the swap.
        /// </summary>
        /// <param name="inDatabase">A session in the restored database itself.</param>
        public static async Task ApplyAsync(RestoreSession session, ScratchDatabase database, DatabaseProperties properties, NpgsqlConnection inDatabase,
            CancellationToken cancellationToken)
        {
            var name = RestoreSession.Quote(database.Name);
            foreach (var setting in properties.Settings)
            {
                var sql = setting.Role is null
                    ? $"ALTER DATABASE {name} SET {setting.Name} TO {setting.Value}"
                    : $"ALTER ROLE {RestoreSession.Quote(setting.Role)} IN DATABASE {name} SET {setting.Name} TO {setting.Value}";
                await session.ExecuteAsync(sql, database.Name, cancellationToken).ConfigureAwait(false);
            }

            if (properties.ConnectionLimit >= 0)
            {
                await session.ExecuteAsync($"ALTER DATABASE {name} CONNECTION LIMIT {properties.ConnectionLimit}", database.Name, cancellationToken).ConfigureAwait(false);
            }

            if (properties.Access is not null)
            {
                var (owner, current) = await DatabaseAccessAsync(session.Connection, database.Oid, cancellationToken).ConfigureAwait(false);
                foreach (var sql in AccessList.Changes(AccessList.Parse(current, AccessList.Database, owner), AccessList.Parse(properties.Access, AccessList.Database, owner),
                             $"DATABASE {name}", owner))
                {
                    await session.ExecuteAsync(sql, database.Name, cancellationToken).ConfigureAwait(false);
                }
            }

            if (properties.PublicSchemaOwner is { } schemaOwner)
            {
                await ApplyPublicSchemaAsync(inDatabase, schemaOwner, properties.PublicSchemaAccess, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>The COMMENT ON DATABASE that gives the swapped-in database its comment (or none).</summary>
        public static string CommentStatement(string name, string? comment) =>
            $"COMMENT ON DATABASE {RestoreSession.Quote(name)} IS {(comment is null ? "NULL" : SqlTokens.Quote(comment))}";

        private static async Task ApplyPublicSchemaAsync(NpgsqlConnection inDatabase, string owner, string[]? access, CancellationToken cancellationToken)
        {
            var (currentOwner, currentAccess) = await DatabasePropertiesReader.PublicSchemaAsync(inDatabase, cancellationToken).ConfigureAwait(false);
            if (currentOwner is null)
            {
                return; // the dump dropped it: nothing to give an owner
            }

            var statements = new List<string>();
            if (currentOwner != owner)
            {
                statements.Add($"ALTER SCHEMA public OWNER TO {RestoreSession.Quote(owner)}");
            }

            await RunAsync(inDatabase, statements, cancellationToken).ConfigureAwait(false);
            (currentOwner, currentAccess) = await DatabasePropertiesReader.PublicSchemaAsync(inDatabase, cancellationToken).ConfigureAwait(false);
            if (access is not null || currentAccess is not null)
            {
                await RunAsync(inDatabase, AccessList.Changes(AccessList.Parse(currentAccess, AccessList.Schema, currentOwner!),
                    AccessList.Parse(access, AccessList.Schema, owner), "SCHEMA public", owner), cancellationToken).ConfigureAwait(false);
            }
        }

        private static async Task RunAsync(NpgsqlConnection connection, IEnumerable<string> statements, CancellationToken cancellationToken)
        {
            foreach (var sql in statements)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private static async Task<(string Owner, string[]? Access)> DatabaseAccessAsync(NpgsqlConnection connection, uint oid, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT pg_get_userbyid(datdba), datacl::text[] FROM pg_database WHERE oid = @oid", connection);
            command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1));
        }
    }
}
