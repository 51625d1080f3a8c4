using System;
using System.Collections;

namespace OpsRunbook
{
    /// <summary>One line of a log file that matched a search, with what its structure says about it.</summary>
    public sealed class LogEntry
    {
        public LogEntry(string path, long lineNumber, string line)
        {
            Path = path;
            LineNumber = lineNumber;
            Line = line;
        }

        public string Path { get; }

        /// <summary>1 for the first line of the file (of the decompressed text, for .gz files).</summary>
        public long LineNumber { get; }

        public DateTimeOffset? Timestamp { get; init; }

        /// <summary>error, warn, info, debug...: lower case, one spelling per level.</summary>
        public string? Level { get; init; }

        public string Message { get; init; } = string.Empty;

        public string? TraceId { get; init; }

        /// <summary>The event field (seed 004's "event":"request_completed").</summary>
        public string? Event { get; init; }

        /// <summary>Every field of a JSON or key=value line (nested objects as tables); null for plain text.</summary>
        public Hashtable? Data { get; init; }

        /// <summary>The line as written.</summary>
        public string Line { get; }

        public override string ToString() => Line;
    }

    /// <summary>How many matching lines share one value of a field (-GroupBy): seed 004's sort | uniq -c.</summary>
    public sealed class LogGroup
    {
        public LogGroup(string field, object? value, long count)
        {
            Field = field;
            Value = value;
            Count = count;
        }

        /// <summary>The field grouped by, as given to -GroupBy.</summary>
        public string Field { get; }

        /// <summary>The field's value; null for lines that lack it.</summary>
        public object? Value { get; }

        public long Count { get; }

        public override string ToString() => $"{Count} {Value ?? "(none)"}";
    }

    /// <summary>The kinds of secret Test-LogRedaction finds.</summary>
    public enum SecretKind
    {
        /// <summary>A field named like api_key, apiKey, x-api-key, access_key; or a key in a well-known format (sk-..., AKIA..., ghp_...).</summary>
        ApiKey,
        /// <summary>A field named password, passwd or pwd.</summary>
        Password,
        /// <summary>A field named secret, client_secret, token, access_token, private_key...</summary>
        Secret,
        /// <summary>Authorization: Bearer followed by a token.</summary>
        BearerToken,
        /// <summary>scheme://user:password@host in a URL or connection string.</summary>
        ConnectionStringPassword,
        /// <summary>The value of an environment variable named with -EnvironmentVariable.</summary>
        EnvironmentValue,
        /// <summary>A match of a -Pattern regular expression.</summary>
        Pattern,
        /// <summary>A Slack incoming-webhook address (https://hooks.slack.com/services/...).</summary>
        WebhookUrl,
        /// <summary>A JSON Web Token (eyJ....eyJ....signature), wherever it stands.</summary>
        Jwt,
        /// <summary>Authorization: Basic followed by base64 user:password.</summary>
        BasicCredentials,
        /// <summary>A PEM private key (-----BEGIN ... PRIVATE KEY-----).</summary>
        PrivateKey,
    }

    /// <summary>An unredacted secret in a log: where it is and what kind, never the secret itself.</summary>
    public sealed class LogSecretFinding
    {
        public LogSecretFinding(string path, long lineNumber, int column, SecretKind kind, string field)
        {
            Path = path;
            LineNumber = lineNumber;
            Column = column;
            Kind = kind;
            Field = field;
        }

        public string Path { get; }

        public long LineNumber { get; }

        /// <summary>Where the secret starts in the line, 1 for the first character.</summary>
        public int Column { get; }

        public SecretKind Kind { get; }

        /// <summary>What gave it away: the field name (password, api_key), Bearer, the URL scheme, the variable or the pattern.</summary>
        public string Field { get; }

        public override string ToString() => $"{Path}:{LineNumber}:{Column}: {Kind} ({Field})";
    }
}
