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

        private static readonly Regex KeyValuePassword = new(@"(^|[;,])\s*(password|pwd)\s*=\s*(?<secret>[^;,]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public static string WithoutSecrets(string text)
        {
            text = UriPassword.Replace(text, m => m.Groups["head"].Value + "@");
            return KeyValuePassword.Replace(text, string.Empty).Trim(';', ',', ' ');
        }

        public static IEnumerable<string> SecretsIn(string text) =>
            UriPassword.Matches(text).Cast<Match>()
                .Concat(KeyValuePassword.Matches(text).Cast<Match>())
                .Select(m => m.Groups["secret"].Value)
                .Where(s => s.Length > 0)
                .ToList();
    }
}
