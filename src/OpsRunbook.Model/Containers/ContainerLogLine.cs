using System;
using System.Collections;

namespace OpsRunbook
{
    /// <summary>One line of a container's log, with what a structured (JSON or key=value) line says about itself.</summary>
    public sealed class ContainerLogLine
    {
        public ContainerLogLine(string container, LogStream stream, string line)
        {
            Container = container;
            Stream = stream;
            Line = line;
        }

        public string Container { get; }

        public string? Service { get; init; }

        public LogStream Stream { get; }

        /// <summary>When Docker received the line.</summary>
        public DateTimeOffset? Timestamp { get; init; }

        /// <summary>The line's level (error, warn, info, debug...), lower case, when it states one.</summary>
        public string? Level { get; init; }

        /// <summary>The line's message field for structured lines; the whole line otherwise.</summary>
        public string Message { get; init; } = string.Empty;

        public string? TraceId { get; init; }

        /// <summary>The parsed fields of a JSON or key=value line (nested objects as tables); null for plain text.</summary>
        public Hashtable? Data { get; init; }

        /// <summary>The line as written.</summary>
        public string Line { get; }

        public override string ToString() => Line;
    }
}
