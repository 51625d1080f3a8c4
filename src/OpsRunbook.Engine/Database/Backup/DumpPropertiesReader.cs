using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// The database properties a custom-format dump records (pg_restore -C prints them: CREATE DATABASE with its
    /// encoding and locale, its owner, comment, settings and access list), read from pg_restore's own output of just
    /// those entries, without connecting anywhere.
    /// </summary>
    internal static class DumpPropertiesReader
    {
        // "3363; 1262 16384 DATABASE - appdb app", "3366; 0 0 ACL - DATABASE appdb app": dump id; catalog ids; type; schema; name; owner.
        private static readonly Regex DatabaseEntry = new(@"^\d+; \d+ \d+ (?:DATABASE|DATABASE PROPERTIES|COMMENT - DATABASE|ACL - DATABASE) ", RegexOptions.CultureInvariant);
        private static readonly Regex Option = new(@"(?<name>[A-Z_]+)\s*=\s*(?<value>'(?:[^']|'')*'|[^\s;]+)", RegexOptions.CultureInvariant);
        private static readonly Regex DatabaseSet = new(@"^ALTER DATABASE (?:""(?:[^""]|"""")*""|\S+) SET (?<name>\S+) TO (?<value>.+)$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
        private static readonly Regex RoleSet = new(@"^ALTER ROLE (?<role>""(?:[^""]|"""")*""|\S+) IN DATABASE (?:""(?:[^""]|"""")*""|\S+) SET (?<name>\S+) TO (?<value>.+)$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);

        /// <summary>The dump's database properties, or null when it records none (a dump of an old pg_dump, or of another format).</summary>
        public static async Task<DatabaseProperties?> ReadAsync(string pgRestore, string dumpPath, CancellationToken cancellationToken)
        {
            var list = await RunAsync(pgRestore, new[] { "-C", "-l", dumpPath }, null, cancellationToken).ConfigureAwait(false);
            var entries = list.Split('\n').Where(line => DatabaseEntry.IsMatch(line)).ToList();
            if (entries.Count == 0)
            {
                return null;
            }

            using var selection = new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", entries) + "\n"));
            var script = await RunAsync(pgRestore, new[] { "-C", "-L", "/dev/stdin", "-f", "-", dumpPath }, selection, cancellationToken).ConfigureAwait(false);
            return Parse(script);
        }

        /// <summary>Reads the statements pg_restore -C writes for a database's own entries.</summary>
        internal static DatabaseProperties? Parse(string script)
        {
            DatabaseProperties? properties = null;
            List<AclItem>? access = null;
            string? grantor = null;
            var settings = new List<DatabaseSetting>();
            foreach (var statement in SqlTokens.Statements(script))
            {
                var tokens = SqlTokens.Split(statement);
                if (Is(tokens, "CREATE", "DATABASE"))
                {
                    properties = new DatabaseProperties { Source = "dump" };
                    foreach (Match option in Option.Matches(statement))
                    {
                        var value = SqlTokens.Literal(option.Groups["value"].Value);
                        switch (option.Groups["name"].Value)
                        {
                            case "ENCODING": properties.Encoding = value; break;
                            case "LOCALE": properties.Collation = properties.CharacterType = value; break;
                            case "LC_COLLATE": properties.Collation = value; break;
                            case "LC_CTYPE": properties.CharacterType = value; break;
                            case "LOCALE_PROVIDER": properties.LocaleProvider = value; break;
                            case "ICU_LOCALE" or "BUILTIN_LOCALE": properties.ProviderLocale = value; break;
                            case "ICU_RULES": properties.IcuRules = value; break;
                            case "TABLESPACE": properties.Tablespace = value == "pg_default" ? null : SqlTokens.Identifier(option.Groups["value"].Value); break;
                        }
                    }
                }
                else if (properties is null)
                {
                    continue;
                }
                else if (Is(tokens, "ALTER", "DATABASE") && tokens.Count == 6 && Is(tokens.Skip(3).ToList(), "OWNER", "TO"))
                {
                    properties.Owner = SqlTokens.Identifier(tokens[5]);
                }
                else if (Is(tokens, "COMMENT", "ON", "DATABASE") && tokens.Count >= 6)
                {
                    properties.Comment = SqlTokens.Literal(tokens[5]);
                }
                else if (Is(tokens, "ALTER", "DATABASE") && tokens.Count >= 6 && Is(tokens.Skip(3).ToList(), "CONNECTION", "LIMIT"))
                {
                    properties.ConnectionLimit = int.Parse(tokens[^1], System.Globalization.CultureInfo.InvariantCulture);
                }
                else if (DatabaseSet.Match(statement) is { Success: true } set)
                {
                    settings.Add(new DatabaseSetting(null, set.Groups["name"].Value, set.Groups["value"].Value.Trim()));
                }
                else if (RoleSet.Match(statement) is { Success: true } roleSet)
                {
                    settings.Add(new DatabaseSetting(SqlTokens.Identifier(roleSet.Groups["role"].Value), roleSet.Groups["name"].Value, roleSet.Groups["value"].Value.Trim()));
                }
                else if (Is(tokens, "SET", "SESSION", "AUTHORIZATION") && tokens.Count >= 4)
                {
                    grantor = SqlTokens.Identifier(SqlTokens.Literal(tokens[3]));
                }
                else if (Is(tokens, "RESET", "SESSION", "AUTHORIZATION"))
                {
                    grantor = null;
                }
                else if ((Is(tokens, "GRANT") || Is(tokens, "REVOKE")) && properties.Owner is { } owner)
                {
                    access ??= AccessList.Default(AccessList.Database, owner);
                    AccessList.Apply(access, statement, AccessList.Database, grantor ?? owner);
                }
            }

            if (properties is not null)
            {
                properties.Settings = settings.ToArray();
                properties.Access = access is null ? null : AccessList.Format(access);
            }

            return properties;
        }

        private static bool Is(IReadOnlyList<string> tokens, params string[] words) =>
            tokens.Count >= words.Length && words.Select((w, i) => tokens[i].Equals(w, StringComparison.OrdinalIgnoreCase)).All(m => m);

        private static async Task<string> RunAsync(string pgRestore, IReadOnlyList<string> arguments, Stream? input, CancellationToken cancellationToken)
        {
            using var output = new MemoryStream();
            var outcome = await ChildProcess.RunAsync(pgRestore, arguments, new Dictionary<string, string?>(), output, input, cancellationToken).ConfigureAwait(false);
            if (outcome.ExitCode != 0)
            {
                throw new OpsRunbookException(DatabaseErrors.BackupUnreadable, FailureCategory.InvalidData,
                    $"pg_restore cannot read the dump's list of contents (exit code {outcome.ExitCode}): {outcome.StandardError.Split('\n')[^1]}", arguments[^1],
                    "Check the file with pg_restore -l; restore another backup.");
            }

            return Encoding.UTF8.GetString(output.ToArray());
        }
    }
}
