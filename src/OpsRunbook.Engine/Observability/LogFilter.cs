using System;
using System.Collections.Generic;
using System.Linq;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// Which log lines are wanted: -Level, -TraceId, -Event and -Since as Get-ServiceLog and Search-ServiceLog both
    /// take them. Levels match in any spelling (ERROR, err, pino's 50); trace ids and events match whole and
    /// regardless of case; -Since keeps lines whose time (Docker's, else the line's own) is not before it.
    /// </summary>
    public sealed class LogFilter
    {
        public static LogFilter None { get; } = new(Array.Empty<string>(), null, null, null);

        public LogFilter(IReadOnlyList<string> levels, string? traceId, string? eventName, DateTimeOffset? since)
        {
            Levels = levels.Select(l => LogLineParser.NormalizeLevel(l)).OfType<string>().Distinct().ToArray();
            TraceId = string.IsNullOrEmpty(traceId) ? null : traceId;
            Event = string.IsNullOrEmpty(eventName) ? null : eventName;
            Since = since;
        }

        /// <summary>Normalized: error, warn, info...</summary>
        public IReadOnlyList<string> Levels { get; }

        public string? TraceId { get; }

        public string? Event { get; }

        public DateTimeOffset? Since { get; }

        public bool Matches(ParsedLogLine line, DateTimeOffset? timestamp = null)
        {
            if (Levels.Count > 0 && (line.Level is null || !Levels.Contains(line.Level, StringComparer.Ordinal)))
            {
                return false;
            }

            if (TraceId is not null && !string.Equals(line.TraceId, TraceId, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (Event is not null && !string.Equals(line.Event, Event, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            // A line with no time of its own cannot be shown to be recent enough.
            return Since is not DateTimeOffset since || (timestamp ?? line.Time) is DateTimeOffset time && time >= since;
        }
    }
}
