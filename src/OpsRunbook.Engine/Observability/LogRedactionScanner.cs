using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>A secret value to look for: the value of an environment variable, known by its name only.</summary>
    public sealed record KnownSecret(string Name, string Value);

    /// <summary>
    /// Finds secrets that reached a log unredacted (seed 004's grep -E 'api[_-]?key|password|secret' | grep -v REDACTED,
    /// done per value): fields named like keys, passwords, secrets and tokens with a real value, Bearer tokens and Basic
    /// credentials, passwords in URLs, Slack webhook addresses, JWTs, PEM private keys, keys in well-known formats, the
    /// values of given environment variables, and custom patterns. A finding says where and what kind; the secret itself is never kept, shown or reported.
    /// </summary>
    public sealed class LogRedactionScanner
    {
        private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);
        private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled;

        // name: value, "name":"value", name=value; the name ends with a word that marks a secret.
        private static readonly Regex SecretField = new(
            @"(?<![A-Za-z0-9])(?<key>[A-Za-z0-9_.\-]*?(?<word>api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|client[_\-]?secret|secret|password|passwd|pwd|token))[""']?\s*[:=]\s*(?<value>""(?:[^""\\]|\\.)*""|'[^']*'|\$\{[^}]*\}|[^\s,;&""'}\])]+)",
            Options, RegexTimeout);
        private static readonly Regex Bearer = new(@"\bBearer\s+(?<value>[A-Za-z0-9\-._~+/]{8,}=*)", Options, RegexTimeout);
        private static readonly Regex UrlPassword = new(@"\b(?<scheme>[a-z][a-z0-9+.\-]*)://[^\s:/@""']*:(?<value>[^\s@/""']+)@", Options, RegexTimeout);
        // What redaction leaves behind, and placeholders that are not values.
        private static readonly Regex Redacted = new(
            @"^(?:|\*+|x{3,}|null|none|nil|true|false|undefined|\[?(?:redacted|filtered|hidden|masked|removed|secret)\]?|<(?:redacted|filtered|hidden|masked|secret)>|\$\{[^}]*\}|\$\([^)]*\)|%[A-Za-z_]+%)$|redacted",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled, RegexTimeout);

        private static readonly string[] Triggers =
        {
            "key", "pass", "pwd", "secret", "token", "bearer", "://", "sk-", "akia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox", "eyj", "basic", "-----begin",
        };

        private readonly IReadOnlyList<KnownSecret> _known;
        private readonly IReadOnlyList<Regex> _patterns;
        private readonly LogBytePrefilter? _prefilter;

        public LogRedactionScanner(IReadOnlyList<KnownSecret> known, IReadOnlyList<Regex> patterns)
        {
            _known = known.Where(k => k.Value.Length > 0).ToList();
            _patterns = patterns;
            // A custom pattern can match anything: then every line is read.
            _prefilter = patterns.Count > 0 ? null
                : LogBytePrefilter.AnyOf(Triggers.Concat(_known.SelectMany(k => new[] { k.Value, Uri.EscapeDataString(k.Value) })));
        }

        /// <summary>The shortest environment value that is looked for: shorter ones would match everywhere.</summary>
        public const int MinimumSecretLength = 4;

        public async Task<long> ScanAsync(string path, Action<LogSecretFinding> found, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            if (reporter.IsVerbose)
            {
                reporter.Verbose($"Looking for unredacted secrets in {path}.");
            }

            var lowered = new byte[1 << 20];
            var candidates = new List<(int Start, int Length)>();
            long findings = 0;
            var lines = await LogFileReader.ReadAsync(path, (chunk, linesBefore) =>
            {
                if (_prefilter is null)
                {
                    var lineNumber = linesBefore;
                    var rest = chunk;
                    while (rest.Length > 0)
                    {
                        var end = rest.IndexOf((byte)'\n');
                        findings += ScanLine(path, end < 0 ? rest : rest[..end], ++lineNumber, found);
                        rest = end < 0 ? ReadOnlySpan<byte>.Empty : rest[(end + 1)..];
                    }

                    return (int)(lineNumber - linesBefore);
                }

                if (lowered.Length < chunk.Length)
                {
                    lowered = new byte[chunk.Length];
                }

                var lower = lowered.AsSpan(0, chunk.Length);
                LogBytePrefilter.ToLowerAscii(chunk, lower, out var newlines, out _);
                candidates.Clear();
                _prefilter.FindCandidates(lower, candidates);
                var counted = 0;
                var number = linesBefore;
                foreach (var (start, length) in candidates)
                {
                    number += chunk[counted..start].Count((byte)'\n');
                    counted = start;
                    findings += ScanLine(path, chunk.Slice(start, length), number + 1, found);
                }

                return newlines;
            }, cancellationToken).ConfigureAwait(false);

            if (reporter.IsVerbose)
            {
                reporter.Verbose(string.Format(CultureInfo.InvariantCulture, "{0}: {1:N0} lines, {2:N0} unredacted secrets.", path, lines, findings));
            }

            return findings;
        }

        /// <summary>The findings of one line, each secret once (where detectors overlap, the first found wins).</summary>
        internal int ScanLine(string path, ReadOnlySpan<byte> bytes, long lineNumber, Action<LogSecretFinding> found)
        {
            var line = Encoding.UTF8.GetString(bytes).TrimEnd('\r');
            var taken = new List<(int Start, int End)>();
            var count = 0;
            void Report(int start, int length, SecretKind kind, string field)
            {
                if (taken.Any(t => start < t.End && t.Start < start + length))
                {
                    return;
                }

                taken.Add((start, start + length));
                count++;
                found(new LogSecretFinding(path, lineNumber, start + 1, kind, field));
            }

            foreach (var secret in _known)
            {
                foreach (var form in new[] { secret.Value, Uri.EscapeDataString(secret.Value) }.Distinct())
                {
                    for (var at = line.IndexOf(form, StringComparison.Ordinal); at >= 0; at = line.IndexOf(form, at + form.Length, StringComparison.Ordinal))
                    {
                        Report(at, form.Length, SecretKind.EnvironmentValue, secret.Name);
                    }
                }
            }

            foreach (Match match in UrlPassword.Matches(line))
            {
                var value = match.Groups["value"];
                if (!IsRedacted(value.Value))
                {
                    Report(value.Index, value.Length, SecretKind.ConnectionStringPassword, match.Groups["scheme"].Value + "://");
                }
            }

            // Shapes before names: a webhook's address or a JWT in a field named token is reported as what it is.
            foreach (var (shape, kind, field) in Shapes)
            {
                foreach (Match match in shape.Matches(line))
                {
                    var value = match.Groups["value"];
                    if (!IsRedacted(value.Value) && (kind != SecretKind.BasicCredentials || SecretShapes.IsBasicPair(value.Value)))
                    {
                        Report(value.Index, value.Length, kind, field);
                    }
                }
            }

            foreach (Match match in Bearer.Matches(line))
            {
                var value = match.Groups["value"];
                if (!IsRedacted(value.Value))
                {
                    Report(value.Index, value.Length, SecretKind.BearerToken, "Bearer");
                }
            }

            foreach (Match match in SecretField.Matches(line))
            {
                var value = match.Groups["value"];
                var unquoted = value.Value.Trim('"', '\'');
                // A nested object or list is no secret value itself; its own fields are matched one by one.
                if (!IsRedacted(unquoted) && !unquoted.StartsWith('{') && !unquoted.StartsWith('['))
                {
                    Report(value.Index, value.Length, KindOf(match.Groups["word"].Value), match.Groups["key"].Value.Trim('"', '\''));
                }
            }

            for (var i = 0; i < _patterns.Count; i++)
            {
                foreach (Match match in _patterns[i].Matches(line))
                {
                    if (match.Length > 0)
                    {
                        Report(match.Index, match.Length, SecretKind.Pattern, $"-Pattern {i + 1}");
                    }
                }
            }

            return count;
        }

        private static readonly (Regex Shape, SecretKind Kind, string Field)[] Shapes =
        {
            (SecretShapes.SlackWebhook, SecretKind.WebhookUrl, "Slack webhook"),
            (SecretShapes.PrivateKeyBegin, SecretKind.PrivateKey, "PEM"),
            (SecretShapes.Jwt, SecretKind.Jwt, "JWT"),
            (SecretShapes.BasicCredentials, SecretKind.BasicCredentials, "Basic"),
            (SecretShapes.KeyFormat, SecretKind.ApiKey, "key format"),
        };

        private static bool IsRedacted(string value) => Redacted.IsMatch(value.Trim());

        private static SecretKind KindOf(string word)
        {
            var w = word.ToLowerInvariant();
            return w.Contains("pass", StringComparison.Ordinal) || w == "pwd" ? SecretKind.Password
                : w.Contains("key", StringComparison.Ordinal) && !w.StartsWith("private", StringComparison.Ordinal) ? SecretKind.ApiKey
                : SecretKind.Secret;
        }
    }
}
