using System;
using System.Collections.Generic;
using System.Management.Automation;
using OpsRunbook.Engine.Observability;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Observability
{
    /// <summary>Searches JSON-lines log files (plain or gzip-rotated) as seed 004's grep | jq pipelines do, one object per match.</summary>
    [Cmdlet(VerbsCommon.Search, "ServiceLog")]
    [OutputType(typeof(LogEntry), typeof(LogGroup))]
    public sealed class SearchServiceLogCommand : OpsRunbookCmdlet
    {
        // Batches of 256 matches: at most this many wait for the pipeline, so memory stays flat.
        private const int PendingBatches = 16;

        private LogFileSearcher? _searcher;
        private LogFilterScript? _script;
        private LogGroupCounter? _groups;

        /// <summary>Log files; wildcards take rotated ones too (app.log*).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Lines of these levels only: error, warn, info, debug (any spelling: ERROR, warning, pino's 50).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(LogLevelCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Level { get; set; } = Array.Empty<string>();

        /// <summary>Lines of this trace only (traceId, trace_id, trace.id).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? TraceId { get; set; }

        /// <summary>Lines of this event only ("event":"request_completed").</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Event { get; set; }

        /// <summary>A TimeSpan (how long ago), a DateTime, or text such as 1h, 30m, 00:15:00.</summary>
        [Parameter]
        [ValidateNotNull]
        public object? Since { get; set; }

        /// <summary>A condition on each matching entry ($_), as Where-Object takes it: { $_.Data.duration -gt 1000 }.</summary>
        [Parameter]
        [ValidateNotNull]
        public ScriptBlock? Filter { get; set; }

        /// <summary>Count matches by this field (error.name, level, route) instead of writing them.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? GroupBy { get; set; }

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            try
            {
                var filter = new LogFilter(Level, TraceId, Event, LogFilterParameters.Since(Since));
                _script = Filter is null ? null : new LogFilterScript(Filter);
                _searcher = new LogFileSearcher(new LogSearchRequest(filter, _script?.Predicate, _script is not null));
                _groups = GroupBy is null ? null : new LogGroupCounter(GroupBy);
                if (_script is not null)
                {
                    WriteVerbose(_script.Predicate is null
                        ? "-Filter runs as a script block for every line the other filters keep."
                        : "-Filter is a simple comparison: it is decided while reading; the script block sees only what that cannot decide.");
                }
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
            }
        }

        protected override void ProcessRecord()
        {
            var files = FilePaths.Resolve(this, Path, "log file");
            if (files.Count == 0)
            {
                return;
            }

            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                foreach (var file in files)
                {
                    try
                    {
                        await _searcher!.SearchAsync(file, batch => pump.Post(() => Consume(batch)), reporter, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OpsRunbookException ex)
                    {
                        pump.Post(() => WriteFailure(ex));
                    }
                }
            }, PendingBatches);
        }

        protected override void EndProcessing()
        {
            if (_groups is not null)
            {
                foreach (var group in _groups.Groups())
                {
                    WriteObject(group);
                }
            }
        }

        // On the pipeline thread: the script block runs here, for what the engine could not decide.
        private void Consume(IReadOnlyList<LogMatch> batch)
        {
            foreach (var match in batch)
            {
                if (!match.Decided && !_script!.Accepts(match.Entry))
                {
                    continue;
                }

                if (_groups is not null)
                {
                    _groups.Add(match.Entry);
                }
                else
                {
                    WriteObject(match.Entry);
                }
            }
        }
    }
}
