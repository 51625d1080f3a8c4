using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Connections
{
    /// <summary>
    /// Finds and removes passwords in connection text by its structure, including text that could not be parsed (so
    /// no driver can help): the password of a URI's user info, and password=/pwd= entries of key=value strings. A
    /// password written into a URI without percent-encoding may hold '/', '?', '#' or '@': the user info then runs to
    /// the last '@', so no part of such a password is ever taken for the host, the database or the query.
    /// </summary>
    public static class ConnectionStringText
    {
        private static readonly Regex Scheme = new(@"^[a-z][a-z0-9+.\-]*://", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // Npgsql ends a value at ';' (a ',' may be part of the password) and may quote it; StackExchange.Redis
        // ends it at ','. Everything up to the next ';' goes, so no part of a password stays behind.
        private static readonly Regex KeyValuePassword = new(@"(^|[;,])\s*(password|pwd)\s*=\s*(?<secret>'(?:[^']|'')*'|""(?:[^""]|"""")*""|[^;]*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // Query parameters that carry a credential: ?token=, ?key=, ?api_key=, ?signature= (signed URLs), ?sig=, ...
        private static readonly Regex QuerySecret = new(@"(?<head>[?&](?:token|access_token|key|api[_\-]?key|apikey|signature|sig|secret|password|auth)=)(?<secret>[^&#]*)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>A URL as it may be shown: the values of its credential query parameters masked.</summary>
        public static string WithoutQuerySecrets(string url) => QuerySecret.Replace(url, m => m.Groups["secret"].Length == 0 ? m.Value : m.Groups["head"].Value + "***");

        /// <summary>The values of a URL's credential query parameters, as written and decoded.</summary>
        public static IEnumerable<string> QuerySecretsIn(string url) =>
            QuerySecret.Matches(url).Select(m => m.Groups["secret"].Value).SelectMany(Variants).Where(s => s.Length > 0).Distinct().ToList();

        public static string WithoutSecrets(string text)
        {
            if (UriPassword(text) is (int start, int length))
            {
                // user:SECRET@host keeps user@host; redis://SECRET@host (Redis's password-only form) keeps host.
                text = text[start - 1] == ':' ? text[..(start - 1)] + text[(start + length)..] : text[..start] + text[(start + length + 1)..];
            }

            return KeyValuePassword.Replace(text, string.Empty).Trim(';', ',', ' ');
        }

        public static IEnumerable<string> SecretsIn(string text)
        {
            var found = new List<string>();
            if (UriPassword(text) is (int start, int length) && length > 0)
            {
                found.Add(text.Substring(start, length));
            }

            found.AddRange(KeyValuePassword.Matches(text).Select(m => m.Groups["secret"].Value));
            return found.SelectMany(Variants).Where(s => s.Length > 0).Distinct().ToList();
        }

        /// <summary>
        /// Where the password of a URI's user info is: its start and length (length 0 for "user:@host"); null when the
        /// text is no URI or has no password. user:pass@host has one; so has redis://pass@host, Redis's password-only form.
        /// </summary>
        internal static (int Start, int Length)? UriPassword(string text)
        {
            var scheme = Scheme.Match(text);
            if (!scheme.Success)
            {
                return null;
            }

            var start = scheme.Length;
            var delimiter = text.IndexOfAny(new[] { '/', '?', '#' }, start);
            var authorityEnd = delimiter < 0 ? text.Length : delimiter;
            var at = authorityEnd > start ? text.LastIndexOf('@', authorityEnd - 1, authorityEnd - start) : -1;
            // A password holding '/', '?' or '#', written without percent-encoding, runs on to the last '@', as long as
            // what it would swallow is no query (no '=' or '&'): the host never holds an '@'.
            var last = text.LastIndexOf('@');
            if (delimiter >= 0 && last > delimiter && text.AsSpan(delimiter, last - delimiter).IndexOfAny('=', '&') < 0)
            {
                at = last;
            }

            if (at < 0)
            {
                return null;
            }

            var colon = text.IndexOf(':', start, at - start);
            var redis = text.StartsWith("redis", StringComparison.OrdinalIgnoreCase);
            return colon >= 0 ? (colon + 1, at - colon - 1)
                : redis && at > start ? (start, at - start)
                : null;
        }

        // The value as written, unquoted, percent-decoded, and cut at ',' as a Redis configuration string would cut it.
        private static IEnumerable<string> Variants(string value)
        {
            yield return value;
            if (value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0])
            {
                yield return value[1..^1].Replace(new string(value[0], 2), value[0].ToString());
            }

            string? decoded;
            try
            {
                decoded = Uri.UnescapeDataString(value);
            }
            catch (UriFormatException)
            {
                decoded = null;
            }

            if (decoded is not null && decoded != value)
            {
                yield return decoded;
            }

            var comma = value.IndexOf(',');
            if (comma > 0)
            {
                yield return value[..comma];
            }
        }
    }
}
