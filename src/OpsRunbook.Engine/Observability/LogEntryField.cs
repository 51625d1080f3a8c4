using System;
using System.Collections;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// A value of a log entry by path: Level, TraceId, Event, Message, Path, LineNumber and Timestamp are the entry's
    /// own; Data.error.name (or just error.name) walks the parsed fields.
    /// </summary>
    public static class LogEntryField
    {
        public static object? Get(LogEntry entry, string path)
        {
            var dot = path.IndexOf('.');
            var head = dot < 0 ? path : path[..dot];
            if (head.Equals("Data", StringComparison.OrdinalIgnoreCase))
            {
                return dot < 0 ? entry.Data : LogLineParser.Field(entry.Data, path[(dot + 1)..]);
            }

            if (dot < 0 && Own(entry, head, out var value))
            {
                return value;
            }

            return LogLineParser.Field(entry.Data, path);
        }

        private static bool Own(LogEntry entry, string name, out object? value)
        {
            value = name.ToLowerInvariant() switch
            {
                "level" => entry.Level,
                "traceid" => entry.TraceId,
                "event" => entry.Event,
                "message" => entry.Message,
                "path" => entry.Path,
                "linenumber" => entry.LineNumber,
                "timestamp" => entry.Timestamp,
                "line" => entry.Line,
                _ => Missing,
            };
            if (ReferenceEquals(value, Missing))
            {
                value = null;
                return false;
            }

            return true;
        }

        private static readonly object Missing = new();
    }

    /// <summary>Counts entries by the value of one field: seed 004's jq -r '.error.name' | sort | uniq -c.</summary>
    public sealed class LogGroupCounter
    {
        private static readonly object NullKey = new();
        private readonly System.Collections.Generic.Dictionary<object, long> _counts = new();

        public LogGroupCounter(string field)
        {
            Field = field;
        }

        public string Field { get; }

        public void Add(LogEntry entry)
        {
            var value = LogEntryField.Get(entry, Field) switch
            {
                null => NullKey,
                Hashtable or Array => NullKey,
                var other => other,
            };
            _counts[value] = _counts.TryGetValue(value, out var count) ? count + 1 : 1;
        }

        /// <summary>The groups, largest first (sort | uniq -c | sort -rn); lines without the field count under a null Value.</summary>
        public System.Collections.Generic.IEnumerable<LogGroup> Groups()
        {
            var groups = new System.Collections.Generic.List<LogGroup>();
            foreach (var (key, count) in _counts)
            {
                groups.Add(new LogGroup(Field, ReferenceEquals(key, NullKey) ? null : key, count));
            }

            groups.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count)
                : string.CompareOrdinal(System.Convert.ToString(a.Value, System.Globalization.CultureInfo.InvariantCulture), System.Convert.ToString(b.Value, System.Globalization.CultureInfo.InvariantCulture)));
            return groups;
        }
    }
}
