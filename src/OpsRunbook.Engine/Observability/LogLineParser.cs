using System;
using System.Collections;
using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>What a structured log line says about itself.</summary>
    /// <param name="Data">Every field (nested objects as tables, arrays as object[]); null for plain text.</param>
    public sealed record ParsedLogLine(string? Level, string Message, string? TraceId, DateTimeOffset? Time, Hashtable? Data)
    {
        /// <summary>The event field (seed 004's "event":"request_completed"); null when the line has none.</summary>
        public string? Event => Data?["event"] is { } value and not Hashtable ? System.Convert.ToString(value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Reads one log line: a JSON object (pino, bunyan, zap, structlog, the seeds' LOG_STRUCTURED=true), or
    /// key=value pairs (logfmt, seed 000's latency_ms=... status=...), or plain text. The one parser behind
    /// Get-ServiceLog and the log searches.
    /// </summary>
    public static class LogLineParser
    {
        private static readonly string[] LevelFields = { "level", "lvl", "severity", "levelname", "log.level", "loglevel" };
        private static readonly string[] MessageFields = { "msg", "message", "event", "text" };
        private static readonly string[] TraceFields = { "traceId", "trace_id", "trace.id", "traceid", "trace-id", "trace" };
        private static readonly string[] TimeFields = { "time", "timestamp", "ts", "@timestamp", "datetime" };

        private static readonly Regex KeyValue = new(@"(?<key>[A-Za-z_][\w.\-]*)=(?:""(?<quoted>(?:[^""\\]|\\.)*)""|(?<bare>\S*))", RegexOptions.CultureInvariant);

        /// <summary>The fields a line's level may be in, most common first.</summary>
        public static IReadOnlyList<string> LevelFieldNames => LevelFields;

        public static ParsedLogLine Parse(string line) => Parse(line, default);

        /// <param name="utf8">The same line as UTF-8 bytes, when the caller read it so (log files): JSON is read from them directly.</param>
        public static ParsedLogLine Parse(string line, ReadOnlySpan<byte> utf8)
        {
            var text = line.Trim();
            var data = text.StartsWith('{')
                ? FromJson(utf8.IsEmpty ? Encoding.UTF8.GetBytes(text) : utf8.Trim(Whitespace))
                : FromKeyValue(text);
            if (data is null)
            {
                return new ParsedLogLine(LevelOfPlainText(text), line, null, null, null);
            }

            return new ParsedLogLine(
                NormalizeLevel(Find(data, LevelFields)),
                Find(data, MessageFields) is { } message ? Text(message) : line,
                Find(data, TraceFields) is { } trace and not Hashtable ? Text(trace) : null,
                Find(data, TimeFields) is { } time ? ParseTime(time) : null,
                data);
        }

        /// <summary>The value at a dotted path ("error.name"), or null; for filters such as -Where error.name -eq TimeoutError.</summary>
        public static object? Field(Hashtable? data, string path)
        {
            object? current = data;
            foreach (var part in path.Split('.'))
            {
                if (current is not Hashtable table || !table.ContainsKey(part))
                {
                    return data is not null && data.ContainsKey(path) ? data[path] : null;
                }

                current = table[part];
            }

            return current;
        }

        /// <summary>
        /// Words that contain a spelling of the (normalized) level, lower case: a line without any of them, and without
        /// a numeric level, cannot be of that level. Log searches filter raw bytes with them before parsing.
        /// </summary>
        public static IReadOnlyList<string> LevelSpellings(string normalizedLevel) => normalizedLevel switch
        {
            "warn" => new[] { "warn" },
            "error" => new[] { "err" },
            "fatal" => new[] { "fatal", "crit", "emergency", "alert", "panic" },
            "info" => new[] { "info" },
            "debug" => new[] { "debug", "verbose" },
            _ => new[] { normalizedLevel },
        };

        /// <summary>Lower case, with the spellings of one level made one: warning is warn, err is error, pino's 50 is error.</summary>
        public static string? NormalizeLevel(object? level)
        {
            if (level is long or int or double)
            {
                return System.Convert.ToDouble(level, CultureInfo.InvariantCulture) switch
                {
                    <= 10 => "trace",
                    <= 20 => "debug",
                    <= 30 => "info",
                    <= 40 => "warn",
                    <= 50 => "error",
                    _ => "fatal",
                };
            }

            var text = level?.ToString()?.Trim().ToLowerInvariant();
            return text switch
            {
                null or "" => null,
                "warning" => "warn",
                "err" => "error",
                "critical" or "crit" or "emergency" or "alert" or "panic" => "fatal",
                "information" => "info",
                "verbose" => "debug",
                _ => text,
            };
        }

        private static ReadOnlySpan<byte> Whitespace => " \t\r\n"u8;

        // Straight from the bytes to tables: no document in between, as this runs for every line a search reads.
        private static Hashtable? FromJson(ReadOnlySpan<byte> utf8)
        {
            var reader = new Utf8JsonReader(utf8);
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                var table = ReadObject(ref reader);
                return reader.Read() ? null : table; // anything after the object makes it no JSON line
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static Hashtable ReadObject(ref Utf8JsonReader reader)
        {
            var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString()!;
                reader.Read();
                table[name] = ReadValue(ref reader);
            }

            return table;
        }

        private static object? ReadValue(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    return ReadObject(ref reader);
                case JsonTokenType.StartArray:
                    var items = new List<object?>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadValue(ref reader));
                    }

                    return items.ToArray();
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Number:
                    return reader.TryGetInt64(out var whole) ? (object)whole : reader.GetDouble();
                case JsonTokenType.True:
                    return true;
                case JsonTokenType.False:
                    return false;
                default:
                    return null;
            }
        }

        // Two or more key=value pairs make a structured line; one alone is too often prose ("retry=3 failed").
        private static Hashtable? FromKeyValue(string text)
        {
            var matches = KeyValue.Matches(text);
            if (matches.Count < 2)
            {
                return null;
            }

            var table = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (Match match in matches)
            {
                var value = match.Groups["quoted"].Success ? Regex.Unescape(match.Groups["quoted"].Value) : match.Groups["bare"].Value;
                table[match.Groups["key"].Value] = long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole) ? whole
                    : double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) ? real
                    : value;
            }

            return table;
        }

        private static object? Find(Hashtable data, string[] fields)
        {
            foreach (var field in fields)
            {
                if (Field(data, field) is { } value)
                {
                    return value;
                }
            }

            return null;
        }

        private static readonly Regex PlainLevel = new(@"^(?:\S+\s+){0,3}?\[?(?<level>TRACE|DEBUG|INFO|WARN|WARNING|ERROR|FATAL|CRITICAL)\]?[\s:]", RegexOptions.CultureInvariant);

        private static string? LevelOfPlainText(string text) =>
            PlainLevel.Match(text) is { Success: true } match ? NormalizeLevel(match.Groups["level"].Value) : null;

        private static string Text(object value) => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;

        private static DateTimeOffset? ParseTime(object value) => value switch
        {
            // Epoch milliseconds (pino) or seconds.
            long ms when ms > 100_000_000_000 && ms < 10_000_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(ms),
            long s when s > 0 && s < 100_000_000_000 => DateTimeOffset.FromUnixTimeSeconds(s),
            double ms when ms > 100_000_000_000 && ms < 10_000_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds((long)ms),
            double s when s > 0 && s < 100_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds((long)(s * 1000)),
            string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) => time,
            _ => null,
        };
    }
}
