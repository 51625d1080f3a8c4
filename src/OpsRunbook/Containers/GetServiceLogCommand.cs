using System;
using System.Linq;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Observability;
using OpsRunbook.Infrastructure;
using OpsRunbook.Observability;

namespace OpsRunbook.Containers
{
    /// <summary>A container's log as objects (docker compose logs), filtered by time, text, level and trace id.</summary>
    [Cmdlet(VerbsCommon.Get, "ServiceLog", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(ContainerLogLine))]
    public sealed class GetServiceLogCommand : ContainerCommandBase
    {
        /// <summary>Only the last N lines of each container.</summary>
        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int? Tail { get; set; }

        /// <summary>A TimeSpan (how long ago), a DateTime, or text such as 1h, 30m, 00:15:00.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? Since { get; set; }

        /// <summary>A regular expression the line must match (case-insensitive).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Pattern { get; set; }

        /// <summary>Structured lines of these levels only: error, warn, info, debug...</summary>
        [Parameter]
        [ArgumentCompleter(typeof(LogLevelCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Level { get; set; } = Array.Empty<string>();

        /// <summary>Structured lines of this trace only (traceId, trace_id, trace.id).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TraceId { get; set; }

        /// <summary>Structured lines of this event only (seed 004's "event":"request_completed").</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Event { get; set; }

        /// <summary>Keep reading new lines until Ctrl+C.</summary>
        [Parameter]
        public SwitchParameter Follow { get; set; }

        protected override void ProcessRecord()
        {
            var query = BuildQuery();
            var containers = Resolve();
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                using var docker = DockerConnection.Open(EffectiveDockerHost, Environment);
                var reader = new ContainerLogReader(docker);
                if (!Follow || containers.Count == 1)
                {
                    foreach (var container in containers)
                    {
                        reporter.Verbose($"Reading the log of {container.Name}.");
                        await foreach (var line in reader.ReadAsync(container, query, cancellationToken).ConfigureAwait(false))
                        {
                            pump.Post(() => WriteObject(line));
                        }
                    }

                    return;
                }

                // Following several containers: their lines interleave as they come.
                var lines = Channel.CreateUnbounded<ContainerLogLine>();
                var readers = containers.Select(async container =>
                {
                    await foreach (var line in reader.ReadAsync(container, query, cancellationToken).ConfigureAwait(false))
                    {
                        lines.Writer.TryWrite(line);
                    }
                }).ToList();
                _ = Task.WhenAll(readers).ContinueWith(t => lines.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
                await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteObject(line));
                }
            });
        }

        private LogQuery BuildQuery()
        {
            try
            {
                return new LogQuery(Tail, LogFilterParameters.Since(Since), ParsePattern(), Level, TraceId, Follow.IsPresent, Event);
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
                throw;
            }
        }

        private Regex? ParsePattern()
        {
            if (Pattern is null)
            {
                return null;
            }

            try
            {
                return new Regex(Pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw Failures.InvalidArgument(CommonErrors.InvalidPattern, $"-Pattern '{Pattern}' is not a valid regular expression: {ex.Message}", Pattern,
                    "Fix the regular expression, or escape it with [regex]::Escape() to match the text literally.");
            }
        }
    }
}
