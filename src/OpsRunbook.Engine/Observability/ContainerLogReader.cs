using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Observability;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>Which lines of a log: the last Tail, those since a time, matching a pattern, a level, a trace or an event.</summary>
    public sealed record LogQuery(int? Tail, DateTimeOffset? Since, Regex? Pattern, IReadOnlyList<string> Levels, string? TraceId, bool Follow, string? Event = null)
    {
        /// <summary>The line filter Search-ServiceLog uses too: one meaning of -Level, -TraceId, -Event and -Since.</summary>
        public LogFilter Filter => new(Levels, TraceId, Event, Since);
    }

    /// <summary>
    /// A container's log through the Engine API: stdout and stderr demultiplexed, each line with Docker's
    /// timestamp and what its structure says; -Follow reads until cancelled.
    /// </summary>
    public sealed class ContainerLogReader
    {
        private readonly DockerConnection _docker;

        public ContainerLogReader(DockerConnection docker)
        {
            _docker = docker;
        }

        public async IAsyncEnumerable<ContainerLogLine> ReadAsync(ServiceContainer container, LogQuery query,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var inspect = await _docker.CallAsync((c, t) => c.Containers.InspectContainerAsync(container.Name, t), container.Name, cancellationToken).ConfigureAwait(false);
            var parameters = new ContainerLogsParameters
            {
                ShowStdout = true,
                ShowStderr = true,
                Timestamps = true,
                Follow = query.Follow,
                Tail = query.Tail?.ToString(CultureInfo.InvariantCulture) ?? "all",
                Since = query.Since?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            };
            using var stream = await _docker.CallAsync((c, t) => c.Containers.GetContainerLogsAsync(container.Name, inspect.Config.Tty, parameters, t), container.Name, cancellationToken).ConfigureAwait(false);

            var filter = query.Filter;
            var buffer = new byte[64 * 1024];
            var pending = new Dictionary<LogStream, StringBuilder> { [LogStream.Stdout] = new(), [LogStream.Stderr] = new() };
            var decoders = new Dictionary<LogStream, Decoder> { [LogStream.Stdout] = Encoding.UTF8.GetDecoder(), [LogStream.Stderr] = Encoding.UTF8.GetDecoder() };
            var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            while (true)
            {
                MultiplexedStream.ReadResult read;
                try
                {
                    read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception) when (cancellationToken.IsCancellationRequested)
                {
                    yield break;
                }

                if (read.EOF)
                {
                    break;
                }

                var which = read.Target == MultiplexedStream.TargetStream.StandardError ? LogStream.Stderr : LogStream.Stdout;
                var count = decoders[which].GetChars(buffer, 0, read.Count, chars, 0);
                var text = pending[which].Append(chars, 0, count);
                foreach (var line in TakeLines(text))
                {
                    if (Build(container, which, line, query, filter) is { } logLine)
                    {
                        yield return logLine;
                    }
                }
            }

            foreach (var (which, rest) in pending.Where(p => p.Value.Length > 0))
            {
                if (Build(container, which, rest.ToString(), query, filter) is { } logLine)
                {
                    yield return logLine;
                }
            }
        }

        private static IEnumerable<string> TakeLines(StringBuilder text)
        {
            var lines = new List<string>();
            int newline;
            while ((newline = IndexOf(text, '\n')) >= 0)
            {
                lines.Add(text.ToString(0, newline).TrimEnd('\r'));
                text.Remove(0, newline + 1);
            }

            return lines;
        }

        private static int IndexOf(StringBuilder text, char value)
        {
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] == value)
                {
                    return i;
                }
            }

            return -1;
        }

        internal static ContainerLogLine? Build(ServiceContainer container, LogStream stream, string raw, LogQuery query, LogFilter filter)
        {
            // Docker puts its RFC 3339 timestamp and a space before each line when asked for timestamps.
            DateTimeOffset? timestamp = null;
            var line = raw;
            var space = raw.IndexOf(' ');
            if (space > 0 && DateTimeOffset.TryParse(raw[..space], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsedTime))
            {
                timestamp = parsedTime;
                line = raw[(space + 1)..];
            }

            if (query.Pattern is not null && !query.Pattern.IsMatch(line))
            {
                return null;
            }

            var parsed = LogLineParser.Parse(line);
            if (!filter.Matches(parsed, timestamp))
            {
                return null;
            }

            return new ContainerLogLine(container.Name, stream, line)
            {
                Service = container.Service,
                Timestamp = timestamp ?? parsed.Time,
                Level = parsed.Level,
                Message = parsed.Message,
                TraceId = parsed.TraceId,
                Data = parsed.Data,
            };
        }
    }
}
