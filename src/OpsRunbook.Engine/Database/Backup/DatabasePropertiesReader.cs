using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// Reads a database's own properties from the server's catalog (pg_database, pg_db_role_setting, and the
    /// database's public schema), in the columns each PostgreSQL version has.
    /// </summary>
    internal static class DatabasePropertiesReader
    {
        // pg_dump quotes each element of these list settings (dumputils.c, variable_is_guc_list_quote).
        private static readonly HashSet<string> ListSettings = new(StringComparer.OrdinalIgnoreCase)
        {
            "local_preload_libraries", "search_path", "session_preload_libraries", "shared_preload_libraries", "temp_tablespaces", "unix_socket_directories",
        };

        /// <param name="connection">Any session on the server (the catalog is shared).</param>
        /// <param name="inDatabase">A session in the database itself, for its public schema; null leaves the public schema out.</param>
        public static async Task<DatabaseProperties> ReadAsync(NpgsqlConnection connection, string database, int serverMajor, string source,
            NpgsqlConnection? inDatabase, CancellationToken cancellationToken)
        {
            var provider = serverMajor >= 15 ? "d.datlocprovider::text" : "NULL::text";
            var locale = serverMajor >= 17 ? "d.datlocale" : serverMajor >= 15 ? "d.daticulocale" : "NULL::text";
            var rules = serverMajor >= 16 ? "d.daticurules" : "NULL::text";
            var properties = new DatabaseProperties { Source = source };
            uint oid;
            await using (var command = new NpgsqlCommand(
                $"SELECT d.oid, pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), d.datcollate, d.datctype, {provider}, {locale}, {rules}, " +
                "d.datconnlimit, shobj_description(d.oid, 'pg_database'), d.datacl::text[], t.spcname " +
                "FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = @name", connection))
            {
                command.Parameters.AddWithValue("name", database);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"The database {database} is not in pg_database.");
                }

                oid = reader.GetFieldValue<uint>(0);
                properties.Owner = reader.GetString(1);
                properties.Encoding = reader.GetString(2);
                properties.Collation = reader.GetString(3);
                properties.CharacterType = reader.GetString(4);
                properties.LocaleProvider = reader.IsDBNull(5) ? null : Provider(reader.GetString(5));
                properties.ProviderLocale = reader.IsDBNull(6) ? null : reader.GetString(6);
                properties.IcuRules = reader.IsDBNull(7) ? null : reader.GetString(7);
                properties.ConnectionLimit = reader.GetInt32(8);
                properties.Comment = reader.IsDBNull(9) ? null : reader.GetString(9);
                properties.Access = reader.IsDBNull(10) ? null : reader.GetFieldValue<string[]>(10);
                properties.Tablespace = reader.GetString(11) == "pg_default" ? null : reader.GetString(11);
            }

            var settings = new List<DatabaseSetting>();
            await using (var command = new NpgsqlCommand(
                "SELECT r.rolname, s.setconfig FROM pg_db_role_setting s LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE s.setdatabase = @oid ORDER BY s.setrole <> 0, r.rolname", connection))
            {
                command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var role = reader.IsDBNull(0) ? null : reader.GetString(0);
                    foreach (var entry in reader.GetFieldValue<string[]>(1))
                    {
                        var equals = entry.IndexOf('=', StringComparison.Ordinal);
                        if (equals > 0)
                        {
                            settings.Add(new DatabaseSetting(role, entry[..equals], ValueSql(entry[..equals], entry[(equals + 1)..])));
                        }
                    }
                }
            }

            properties.Settings = settings.ToArray();
            if (inDatabase is not null)
            {
                (properties.PublicSchemaOwner, properties.PublicSchemaAccess) = await PublicSchemaAsync(inDatabase, cancellationToken).ConfigureAwait(false);
            }

            return properties;
        }

        /// <summary>The public schema's owner and access list; a null owner when the database has no public schema.</summary>
        public static async Task<(string? Owner, string[]? Access)> PublicSchemaAsync(NpgsqlConnection inDatabase, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SELECT pg_get_userbyid(nspowner), nspacl::text[] FROM pg_namespace WHERE nspname = 'public'", inDatabase);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<string[]>(1))
                : (null, null);
        }

        /// <summary>A setting's value as pg_dump writes it after TO: one literal, or one literal for each element of a list setting.</summary>
        internal static string ValueSql(string name, string value) =>
            ListSettings.Contains(name) && SplitList(value) is { Count: > 0 } elements
                ? string.Join(", ", elements.Select(SqlTokens.Quote))
                : SqlTokens.Quote(value);

        // SplitGUCList: elements separated by commas, each bare or "double-quoted" with "" for a quote; null when malformed.
        private static List<string>? SplitList(string value)
        {
            var elements = new List<string>();
            var i = 0;
            while (true)
            {
                while (i < value.Length && char.IsWhiteSpace(value[i]))
                {
                    i++;
                }

                if (i >= value.Length)
                {
                    return elements.Count == 0 ? elements : null;
                }

                var element = new StringBuilder();
                if (value[i] == '"')
                {
                    for (i++; ; i++)
                    {
                        if (i >= value.Length)
                        {
                            return null;
                        }

                        if (value[i] == '"')
                        {
                            if (i + 1 < value.Length && value[i + 1] == '"')
                            {
                                element.Append('"');
                                i++;
                                continue;
                            }

                            i++;
                            break;
                        }

                        element.Append(value[i]);
                    }
                }
                else
                {
                    while (i < value.Length && value[i] != ',' && !char.IsWhiteSpace(value[i]))
                    {
                        element.Append(value[i++]);
                    }
                }

                elements.Add(element.ToString());
                while (i < value.Length && char.IsWhiteSpace(value[i]))
                {
                    i++;
                }

                if (i >= value.Length)
                {
                    return elements;
                }

                if (value[i] != ',')
                {
                    return null;
                }

                i++;
            }
        }

        private static string Provider(string letter) => letter switch
        {
            "c" => "libc",
            "i" => "icu",
            "b" => "builtin",
            _ => letter,
        };
    }
}
