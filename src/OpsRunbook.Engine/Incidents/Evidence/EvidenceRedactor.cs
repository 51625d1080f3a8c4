using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Incidents.Evidence
{
    /// <summary>
    /// Masks secrets in everything written to an evidence folder: the values this run knows to be secret (the
    /// passwords of the connections it used, the webhook), and what looks like one wherever it came from —
    /// passwords in URLs, password=/token=/api_key=/secret= fields in key=value, YAML and JSON form, Authorization
    /// headers and bearer tokens, SQL PASSWORD '...' literals, private keys, Slack webhooks, and AWS, OpenAI, Anthropic, GitHub and Slack keys.
    /// The mask reads [REDACTED], which seed 004's leak check (grep ... | grep -v REDACTED) looks for.
    /// </summary>
    public sealed class EvidenceRedactor
    {
        public const string Mask = "[REDACTED]";

        private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

        private const string SecretKey = @"[\w.\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?|auth[_\-]?token)[\w.\-]*";

        private static readonly (Regex Pattern, string Replacement)[] Patterns =
        {
            (new Regex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----", Options), "-----BEGIN PRIVATE KEY-----" + Mask + "-----END PRIVATE KEY-----"),
            (new Regex(@"(?<head>https://hooks\.slack\.com/services/)[\w/\-]+", Options), "${head}" + Mask),
            (new Regex(@"(?<head>\bauthorization""?\s*[:=]\s*""?)(?:(?<scheme>bearer|basic|token|digest|negotiate)\s+)?[^\s,;""']+", Options), "${head}${scheme} " + Mask),
            (new Regex(@"\b(?<scheme>bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*", Options), "${scheme} " + Mask),
            // "password": "SECRET" (JSON)
            (new Regex(@"(?<head>""" + SecretKey + @"""\s*:\s*"")(?:[^""\\]|\\.)*""", Options), "${head}" + Mask + "\""),
            // PASSWORD 'SECRET' (SQL)
            (new Regex(@"(?<head>\bpassword\s+)'(?:[^']|'')*'", Options), "${head}'" + Mask + "'"),
            // password=SECRET, password: SECRET, TOKEN='SECRET' (key=value, logfmt, YAML, environment)
            (new Regex(@"(?<head>\b" + SecretKey + @"\s*[=:]\s*)(?!\[REDACTED\])(?:""[^""]*""|'[^']*'|[^\s;,&""'}\]]+)", Options), "${head}" + Mask),
            // Keys in well-known formats and JWTs (as Test-LogRedaction knows them): AWS, OpenAI and Anthropic, GitHub, Slack tokens.
            (SecretShapes.KeyFormat, Mask),
            (SecretShapes.Jwt, Mask),
        };

        private readonly string[] _known;

        /// <param name="knownSecrets">Values to mask wherever they appear, in plain, URL-encoded and JSON-escaped form.</param>
        public EvidenceRedactor(IEnumerable<string?> knownSecrets)
        {
            _known = knownSecrets
                .Where(s => !string.IsNullOrEmpty(s) && s!.Length >= 4)
                .SelectMany(s => new[]
                {
                    s!, Uri.EscapeDataString(s!), System.Text.Json.JsonEncodedText.Encode(s!).ToString(),
                    System.Text.Json.JsonEncodedText.Encode(s!, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
                })
                .Distinct(StringComparer.Ordinal)
                .OrderByDescending(s => s.Length)
                .ToArray();
        }

        // A URL in running text: up to the next space or quote.
        private static readonly Regex Url = new(@"\b[a-z][a-z0-9+.\-]*://[^\s""'<>]+", Options);

        /// <summary>The text with every secret masked, and how many were.</summary>
        public (string Text, int Count) Redact(string text)
        {
            var count = 0;
            // scheme://user:SECRET@host by the URL's structure, so a password holding '/', '@' or '#' goes whole.
            text = Url.Replace(text, match =>
            {
                if (ConnectionStringText.UriPassword(match.Value) is not (int start, int length) || length == 0 || match.Value.AsSpan(start, length).SequenceEqual(Mask))
                {
                    return match.Value;
                }

                count++;
                return string.Concat(match.Value.AsSpan(0, start), Mask, match.Value.AsSpan(start + length));
            });
            foreach (var secret in _known)
            {
                text = SecretRedactor.ReplaceWhole(text, secret, Mask, ref count);
            }

            foreach (var (pattern, replacement) in Patterns)
            {
                text = pattern.Replace(text, match =>
                {
                    var replaced = match.Result(replacement);
                    if (replaced != match.Value)
                    {
                        count++;
                    }

                    return replaced;
                });
            }

            return (text, count);
        }
    }
}
