using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>
    /// PostgreSQL's access lists as aclitems ("grantee=privileges/grantor", an empty grantee for PUBLIC, a '*' after
    /// a privilege that may be granted on): read, changed by GRANT and REVOKE as the server would change them, and
    /// turned into the GRANT and REVOKE statements that take one list to another.
    /// </summary>
    internal static class AccessList
    {
        public const char Database = 'd';
        public const char Schema = 'n';

        private static readonly Dictionary<string, string> PrivilegeWords = new(StringComparer.OrdinalIgnoreCase)
        {
            ["CREATE"] = "C",
            ["CONNECT"] = "c",
            ["TEMPORARY"] = "T",
            ["TEMP"] = "T",
            ["USAGE"] = "U",
        };

        /// <summary>What PostgreSQL means by a null ACL: the owner has every privilege; PUBLIC may connect to a database and make temporary tables.</summary>
        public static List<AclItem> Default(char kind, string owner) => kind == Database
            ? new List<AclItem> { new(string.Empty, owner, "Tc"), new(owner, owner, "CTc") }
            : new List<AclItem> { new(owner, owner, "UC") };

        public static List<AclItem> Parse(IEnumerable<string>? items, char kind, string owner) =>
            items is null ? Default(kind, owner) : items.Select(AclItem.Parse).ToList();

        public static string[] Format(IEnumerable<AclItem> items) => items.Select(i => i.ToString()).ToArray();

        /// <summary>All of a kind's privileges, for GRANT ALL.</summary>
        public static string All(char kind) => kind == Database ? "CTc" : "UC";

        /// <summary>
        /// The statements that turn <paramref name="current"/> into <paramref name="wanted"/> on <paramref name="target"/>
        /// ("DATABASE x", "SCHEMA public"), run by a superuser or the owner: grants the owner made are made as the owner,
        /// others with SET ROLE to their grantor.
        /// </summary>
        public static List<string> Changes(IReadOnlyList<AclItem> current, IReadOnlyList<AclItem> wanted, string target, string owner)
        {
            var statements = new List<string>();
            var grantees = current.Select(i => i.Grantee).Concat(wanted.Select(i => i.Grantee)).Distinct(StringComparer.Ordinal).ToList();
            foreach (var grantee in grantees)
            {
                var had = Privileges(current, grantee);
                var want = Privileges(wanted, grantee);
                var revoke = had.Keys.Where(p => !want.ContainsKey(p)).ToList();
                var revokeOption = had.Where(p => p.Value && want.TryGetValue(p.Key, out var option) && !option).Select(p => p.Key).ToList();
                if (revoke.Count > 0)
                {
                    statements.Add($"REVOKE {Words(revoke)} ON {target} FROM {GranteeSql(grantee)} CASCADE");
                }

                if (revokeOption.Count > 0)
                {
                    statements.Add($"REVOKE GRANT OPTION FOR {Words(revokeOption)} ON {target} FROM {GranteeSql(grantee)} CASCADE");
                }

                foreach (var item in wanted.Where(i => i.Grantee == grantee))
                {
                    var missing = item.Privileges().Where(p => !had.TryGetValue(p.Privilege, out var option) || (p.GrantOption && !option)).ToList();
                    foreach (var group in missing.GroupBy(p => p.GrantOption))
                    {
                        var grant = $"GRANT {Words(group.Select(p => p.Privilege))} ON {target} TO {GranteeSql(grantee)}" + (group.Key ? " WITH GRANT OPTION" : string.Empty);
                        statements.Add(item.Grantor.Length == 0 || item.Grantor == owner ? grant : $"SET ROLE {Quote(item.Grantor)}; {grant}; RESET ROLE");
                    }
                }
            }

            return statements;
        }

        /// <summary>
        /// Applies a GRANT or REVOKE on the object, as pg_dump writes them (privilege words, PUBLIC or a role, WITH GRANT
        /// OPTION, REVOKE GRANT OPTION FOR), to the list; false when the statement is not one of those.
        /// </summary>
        public static bool Apply(List<AclItem> items, string statement, char kind, string grantor)
        {
            var tokens = SqlTokens.Split(statement);
            if (tokens.Count < 5)
            {
                return false;
            }

            var grant = tokens[0].Equals("GRANT", StringComparison.OrdinalIgnoreCase);
            if (!grant && !tokens[0].Equals("REVOKE", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            var index = 1;
            var optionOnly = false;
            if (!grant && tokens.Count > 4 && tokens[1].Equals("GRANT", StringComparison.OrdinalIgnoreCase) && tokens[2].Equals("OPTION", StringComparison.OrdinalIgnoreCase))
            {
                optionOnly = true;
                index = 4; // REVOKE GRANT OPTION FOR ...
            }

            var privileges = new StringBuilder();
            for (; index < tokens.Count && !tokens[index].Equals("ON", StringComparison.OrdinalIgnoreCase); index++)
            {
                var word = tokens[index].Trim(',');
                if (word.Equals("ALL", StringComparison.OrdinalIgnoreCase))
                {
                    privileges.Append(All(kind));
                }
                else if (PrivilegeWords.TryGetValue(word, out var letter))
                {
                    privileges.Append(letter);
                }
            }

            var to = tokens.FindIndex(index, t => t.Equals(grant ? "TO" : "FROM", StringComparison.OrdinalIgnoreCase));
            if (to < 0 || to + 1 >= tokens.Count)
            {
                return false;
            }

            var grantee = tokens[to + 1].Equals("PUBLIC", StringComparison.OrdinalIgnoreCase) ? string.Empty : SqlTokens.Identifier(tokens[to + 1]);
            var withOption = grant && tokens.Skip(to + 2).Any(t => t.Equals("OPTION", StringComparison.OrdinalIgnoreCase));
            var existing = items.FindIndex(i => i.Grantee == grantee && (i.Grantor == grantor || !grant));
            var letters = privileges.ToString();
            if (grant)
            {
                var current = existing < 0 ? new AclItem(grantee, grantor, string.Empty) : items[existing];
                var updated = current.With(letters, withOption);
                if (existing < 0)
                {
                    items.Add(updated);
                }
                else
                {
                    items[existing] = updated;
                }

                return true;
            }

            for (var i = items.Count - 1; i >= 0; i--)
            {
                if (items[i].Grantee != grantee)
                {
                    continue;
                }

                var reduced = items[i].Without(letters, optionOnly);
                if (reduced.IsEmpty)
                {
                    items.RemoveAt(i);
                }
                else
                {
                    items[i] = reduced;
                }
            }

            return true;
        }

        private static Dictionary<char, bool> Privileges(IEnumerable<AclItem> items, string grantee)
        {
            var result = new Dictionary<char, bool>();
            foreach (var (privilege, option) in items.Where(i => i.Grantee == grantee).SelectMany(i => i.Privileges()))
            {
                result[privilege] = result.TryGetValue(privilege, out var had) ? had || option : option;
            }

            return result;
        }

        private static string Words(IEnumerable<char> privileges) => string.Join(", ", privileges.Distinct().Select(p => p switch
        {
            'C' => "CREATE",
            'c' => "CONNECT",
            'T' => "TEMPORARY",
            'U' => "USAGE",
            _ => throw new ArgumentOutOfRangeException(nameof(privileges), p, "Not a database or schema privilege."),
        }));

        private static string GranteeSql(string grantee) => grantee.Length == 0 ? "PUBLIC" : Quote(grantee);

        internal static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>One aclitem: a grantee's privileges from one grantor; the letters as PostgreSQL prints them, '*' marking a grant option.</summary>
    internal sealed record AclItem(string Grantee, string Grantor, string Letters)
    {
        public bool IsEmpty => Letters.Length == 0;

        public IEnumerable<(char Privilege, bool GrantOption)> Privileges()
        {
            for (var i = 0; i < Letters.Length; i++)
            {
                var option = i + 1 < Letters.Length && Letters[i + 1] == '*';
                yield return (Letters[i], option);
                if (option)
                {
                    i++;
                }
            }
        }

        public AclItem With(string privileges, bool grantOption)
        {
            var set = Privileges().ToDictionary(p => p.Privilege, p => p.GrantOption);
            foreach (var privilege in privileges)
            {
                set[privilege] = grantOption || (set.TryGetValue(privilege, out var had) && had);
            }

            return this with { Letters = Canonical(set) };
        }

        public AclItem Without(string privileges, bool grantOptionOnly)
        {
            var set = Privileges().ToDictionary(p => p.Privilege, p => p.GrantOption);
            foreach (var privilege in privileges)
            {
                if (grantOptionOnly)
                {
                    if (set.ContainsKey(privilege))
                    {
                        set[privilege] = false;
                    }
                }
                else
                {
                    set.Remove(privilege);
                }
            }

            return this with { Letters = Canonical(set) };
        }

        /// <summary>"grantee=privileges/grantor", names quoted as PostgreSQL quotes them in aclitems.</summary>
        public override string ToString() => $"{Name(Grantee)}={Letters}/{Name(Grantor)}";

        /// <summary>Reads PostgreSQL's text form of an aclitem.</summary>
        public static AclItem Parse(string text)
        {
            var position = 0;
            var grantee = ReadName(text, ref position);
            Expect(text, ref position, '=');
            var slash = text.IndexOf('/', position);
            if (slash < 0)
            {
                throw new FormatException($"'{text}' is not an aclitem.");
            }

            var letters = text[position..slash];
            position = slash + 1;
            var grantor = ReadName(text, ref position);
            return new AclItem(grantee, grantor, letters);
        }

        // PostgreSQL prints privileges in the order of its ACL bits: r w a d D x t X U C c T (s A m).
        private static string Canonical(Dictionary<char, bool> set)
        {
            const string order = "rwadDxtXUCcTsAm";
            var builder = new StringBuilder();
            foreach (var letter in order.Where(set.ContainsKey))
            {
                builder.Append(letter);
                if (set[letter])
                {
                    builder.Append('*');
                }
            }

            return builder.ToString();
        }

        private static string Name(string name) =>
            name.Length == 0 || name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

        private static string ReadName(string text, ref int position)
        {
            var builder = new StringBuilder();
            var quoted = false;
            for (; position < text.Length; position++)
            {
                var c = text[position];
                if (c == '"')
                {
                    if (quoted && position + 1 < text.Length && text[position + 1] == '"')
                    {
                        builder.Append('"');
                        position++;
                        continue;
                    }

                    quoted = !quoted;
                    continue;
                }

                if (!quoted && (c == '=' || c == '/'))
                {
                    break;
                }

                builder.Append(c);
            }

            return builder.ToString();
        }

        private static void Expect(string text, ref int position, char expected)
        {
            if (position >= text.Length || text[position] != expected)
            {
                throw new FormatException($"'{text}' is not an aclitem.");
            }

            position++;
        }
    }
}
