using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>
    /// Finds and removes passwords in connection text that could not be parsed (so no driver can help):
    /// the password of a URI's user info, and password=/pwd= entries of key=value strings.
    /// </summary>
    public static class ConnectionStringText
    {
        private static readonly Regex UriPassword = new(@"^(?<head>[a-z][a-z0-9+.\-]*://[^/@:?#]*):(?<secret>[^/@?#]*)@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // redis://SECRET@host: Redis's old password-only form (no colon), which RedisConnectionInfo accepts.
        private static readonly Regex RedisPasswordOnly = new(@"^(?<head>rediss?://)(?<secret>[^/@:?#]+)@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // Npgsql ends a value at ';' (a ',' may be part of the password) and may quote it; StackExchange.Redis
        // ends it at ','. Everything up to the next ';' goes, so no part of a password stays behind.
        private static readonly Regex KeyValuePassword = new(@"(^|[;,])\s*(password|pwd)\s*=\s*(?<secret>'(?:[^']|'')*'|""(?:[^""]|"""")*""|[^;]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static string WithoutSecrets(string text)
        {
            text = RedisPasswordOnly.Replace(text, m => m.Groups["head"].Value);
            text = UriPassword.Replace(text, m => m.Groups["head"].Value + "@");
            return KeyValuePassword.Replace(text, string.Empty).Trim(';', ',', ' ');
        }

        public static IEnumerable<string> SecretsIn(string text) =>
            RedisPasswordOnly.Matches(text).Cast<Match>()
                .Concat(UriPassword.Matches(text).Cast<Match>())
                .Concat(KeyValuePassword.Matches(text).Cast<Match>())
                .Select(m => m.Groups["secret"].Value)
                .SelectMany(Variants)
                .Where(s => s.Length > 0)
                .Distinct()
                .ToList();

        // The value as written, unquoted, and cut at ',' as a Redis configuration string would cut it.
        private static IEnumerable<string> Variants(string value)
        {
            yield return value;
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0])
            {
                yield return value[1..^1].Replace(new string(value[0], 2), value[0].ToString());
            }

            var comma = value.IndexOf(',');
            if (comma > 0)
            {
                yield return value[..comma];
            }
        }
    }
}
