using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace OpsRunbook.Engine.Incidents.Actions
{
    /// <summary>
    /// What a command wrote, in one line for its timeline entry: counted by type as the objects go by, with a few of
    /// each kept as examples. Memory stays flat however much a command writes (a log search of a million lines).
    /// Raw text (log lines, query text) is counted, never quoted: it is where secrets hide.
    /// </summary>
    public sealed class ActionSummary
    {
        public const int MaxLength = 400;

        private const int Examples = 3;

        private readonly List<Tally> _tallies = new();
        private int _errors;
        private string? _firstError;

        public long Outputs { get; private set; }

        public int Errors => _errors;

        public string? FirstError => _firstError;

        public void Observe(object? output)
        {
            if (output is null)
            {
                return;
            }

            Outputs++;
            var type = output.GetType();
            var tally = _tallies.Find(t => t.Type == type);
            if (tally is null)
            {
                tally = new Tally(type);
                _tallies.Add(tally);
            }

            tally.Add(output);
        }

        /// <summary>An error the command wrote or ended with: the first is kept, the rest counted.</summary>
        public void ObserveError(string message)
        {
            _errors++;
            _firstError ??= OneLine(message);
        }

        /// <summary>"4 services: 3 Healthy, 1 Unhealthy (api: HTTP 503)"; "no output" when it wrote nothing.</summary>
        public string Describe(bool stopped = false)
        {
            var parts = _tallies.Select(t => t.Describe()).ToList();
            var text = parts.Count == 0 ? (_errors > 0 ? "failed" : "no output") : string.Join("; ", parts);
            if (stopped)
            {
                text += " (stopped before it finished)";
            }

            return Cap(text, MaxLength);
        }

        /// <summary>The error field of the entry: the first error, and how many more there were.</summary>
        public string? DescribeErrors() =>
            _firstError is null ? null : Cap(_errors > 1 ? $"{_firstError} (and {_errors - 1} more errors)" : _firstError, MaxLength);

        internal static string OneLine(string text) =>
            string.Join(' ', text.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim())).Trim();

        internal static string Cap(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";

        private static string Plural(long count, string one, string many) =>
            count.ToString("N0", CultureInfo.InvariantCulture) + " " + (count == 1 ? one : many);

        /// <summary>The objects of one type a command wrote.</summary>
        private sealed class Tally
        {
            private readonly List<string> _examples = new();
            private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
            private readonly List<string> _countOrder = new();
            private long _count;

            public Tally(Type type)
            {
                Type = type;
            }

            public Type Type { get; }

            public void Add(object output)
            {
                _count++;
                switch (output)
                {
                    case ServiceHealth health:
                        Count(health.Status.ToString());
                        if (health.Status != HealthStatus.Healthy)
                        {
                            Example($"{health.Name}: {health.Error ?? health.Status.ToString()}");
                        }

                        break;
                    case LogEntry entry:
                        Count(entry.Level ?? "no level");
                        break;
                    case ContainerLogLine line:
                        Count(line.Level ?? "no level");
                        break;
                    case LogGroup group:
                        Example($"{group.Value ?? "(none)"} x{group.Count}");
                        break;
                    case DatabaseSessionStopResult stopped:
                        Count(stopped.Status.ToString());
                        Example($"pid {stopped.Pid} ({stopped.User ?? "?"}@{stopped.Database ?? "?"}{(stopped.Duration is TimeSpan d ? ", " + DurationText.Format(d) : string.Empty)}) {stopped.Status}");
                        break;
                    case DatabaseBackup backup:
                        Example($"{backup.Name} ({ByteSize.Format(backup.SizeBytes)}, {backup.Verification}{(backup.Sha256 is { Length: >= 12 } sha ? ", sha256 " + sha[..12] : string.Empty)})");
                        break;
                    case ServiceContainer container:
                        Count(container.State.ToString());
                        Example(container.ToString());
                        break;
                    case AlertRuleResult alert:
                        Count(alert.State.ToString());
                        if (alert.State != AlertState.Inactive)
                        {
                            Example(alert.ToString());
                        }

                        break;
                    case RollbackStep step:
                        Count(step.Result.ToString());
                        if (step.Result is RollbackStepResult.Done or RollbackStepResult.Failed)
                        {
                            Example($"{step.Action} {step.Service}: {step.Result}");
                        }

                        break;
                    case RollbackPoint point:
                        Example($"{point.Timestamp}{(point.Name is null ? string.Empty : " (" + point.Name + ")")}, {point.Items.Length} items, {point.Verification}");
                        break;
                    case string:
                        break;
                    case FileSystemInfo file:
                        Example(file.FullName);
                        break;
                    default:
                        Example(output.ToString() ?? Type.Name);
                        break;
                }
            }

            public string Describe()
            {
                var text = new StringBuilder();
                text.Append(Noun());
                if (_countOrder.Count > 0)
                {
                    // By name, not by arrival: results of concurrent probes arrive in any order, the summary reads the same.
                    text.Append(": ").Append(string.Join(", ", _countOrder.OrderBy(k => k, StringComparer.Ordinal)
                        .Select(k => $"{_counts[k].ToString("N0", CultureInfo.InvariantCulture)} {k}")));
                }

                if (_examples.Count > 0)
                {
                    text.Append(_countOrder.Count > 0 ? " (" : ": ").Append(string.Join(", ", _examples));
                    if (_count > _examples.Count && _countOrder.Count == 0)
                    {
                        text.Append(", ...");
                    }

                    text.Append(_countOrder.Count > 0 ? ")" : string.Empty);
                }

                return text.ToString();
            }

            private string Noun() => Type.Name switch
            {
                nameof(ServiceHealth) => Plural(_count, "service", "services"),
                nameof(LogEntry) => Plural(_count, "log entry", "log entries"),
                nameof(ContainerLogLine) => Plural(_count, "log line", "log lines"),
                nameof(DatabaseSessionStopResult) or nameof(DatabaseSession) => Plural(_count, "session", "sessions"),
                nameof(DatabaseBackup) => Plural(_count, "backup", "backups"),
                nameof(ServiceContainer) => Plural(_count, "container", "containers"),
                nameof(AlertRuleResult) => Plural(_count, "alert rule", "alert rules"),
                nameof(RollbackStep) => Plural(_count, "rollback step", "rollback steps"),
                nameof(RollbackPoint) => Plural(_count, "restore point", "restore points"),
                nameof(String) => Plural(_count, "line of text", "lines of text"),
                _ => Plural(_count, Type.Name, Type.Name),
            };

            private void Count(string key)
            {
                if (!_counts.TryGetValue(key, out var n))
                {
                    _countOrder.Add(key);
                }

                _counts[key] = n + 1;
            }

            private void Example(string text)
            {
                if (_examples.Count < Examples)
                {
                    _examples.Add(Cap(OneLine(text), 100));
                }
            }
        }
    }
}
