using System.Collections.Generic;
using Npgsql;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The connection of a libpq program (pg_dump, pg_restore, psql) for what an Npgsql connection describes:
    /// host, port, user and database as arguments; the password and SSL mode in its environment only.
    /// </summary>
    internal static class LibpqArguments
    {
        /// <param name="inContainer">Inside the database's container: its own socket, so no host or port.</param>
        public static List<string> Connection(PostgresConnectionInfo connection, string database, bool inContainer)
        {
            var arguments = new List<string>();
            if (!inContainer)
            {
                arguments.AddRange(new[] { "-h", connection.Host, "-p", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }

            if (!string.IsNullOrEmpty(connection.UserName))
            {
                arguments.AddRange(new[] { "-U", connection.UserName });
            }

            arguments.AddRange(new[] { "-d", database, "--no-password" });
            return arguments;
        }

        /// <summary>PGPASSWORD and PGSSLMODE; PG* variables the caller's session may hold are cleared so they cannot interfere.</summary>
        public static Dictionary<string, string?> Environment(PostgresConnectionInfo connection)
        {
            var builder = connection.CreateBuilder();
            return new Dictionary<string, string?>
            {
                ["PGPASSWORD"] = string.IsNullOrEmpty(builder.Password) ? null : builder.Password,
                ["PGSSLMODE"] = SslMode(builder.SslMode),
                ["PGAPPNAME"] = "OpsRunbook backup",
                ["PGHOST"] = null,
                ["PGPORT"] = null,
                ["PGUSER"] = null,
                ["PGDATABASE"] = null,
                ["PGSERVICE"] = null,
                ["PGOPTIONS"] = null,
            };
        }

        private static string SslMode(SslMode mode) => mode switch
        {
            Npgsql.SslMode.Disable => "disable",
            Npgsql.SslMode.Allow => "allow",
            Npgsql.SslMode.Require => "require",
            Npgsql.SslMode.VerifyCA => "verify-ca",
            Npgsql.SslMode.VerifyFull => "verify-full",
            _ => "prefer",
        };
    }
}
