using System;
using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// What every OpsRunbook cmdlet shares: a cancellation token that Ctrl+C cancels, a way to run engine
    /// work while its reports reach the pipeline, the one mapping from engine failures to ErrorRecords, and the
    /// record of what the command did, for the timeline of the current incident (see <see cref="ActionRecorder"/>).
    /// </summary>
    /// <remarks>
    /// The recording sees what a command writes because WriteObject, WriteError and ThrowTerminatingError are
    /// redeclared here: a cmdlet's own calls bind to these at compile time, and each goes on to PowerShell's. With no
    /// incident current, each costs one field test.
    /// </remarks>
    public abstract class OpsRunbookCommand : PSCmdlet, IDisposable
    {
        private static int s_lastActivityId;

        private readonly CancellationTokenSource _stopping = new();

        // When the command started: the pipeline builds its commands just before it runs them.
        private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
        private readonly long _startedTimestamp = Stopwatch.GetTimestamp();

        private bool _begun;
        private ActionRecorder? _action;

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        /// <summary>Whether this command's runs go on the current incident's timeline (the incident cmdlets write their own entries).</summary>
        internal abstract bool RecordsActions { get; }

        /// <summary>The incident named with -IncidentId, which takes the place of the current one for this command.</summary>
        internal virtual string? ExplicitIncidentId => null;

        public void Dispose()
        {
            try
            {
                // After the command has ended, still allowed to write warnings (PowerShell 7.3+ disposes in the clean-up phase).
                _action?.Finish(this, _stopping.IsCancellationRequested, Elapsed(_action.LastActivity ?? Stopwatch.GetTimestamp()));
            }
            finally
            {
                _stopping.Dispose();
                GC.SuppressFinalize(this);
            }
        }

        /// <summary>Derived cmdlets that override this call it first, so the command's own parameters are told from piped ones.</summary>
        protected override void BeginProcessing() => Begin();

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Process environment, where $env:NAME assignments land.</summary>
        internal static string? Environment(string name) => System.Environment.GetEnvironmentVariable(name);

        /// <summary>
        /// Runs engine work on the thread pool while this thread writes what it posts. Engine failures
        /// become terminating ErrorRecords; cmdlets that go on after a failure catch it inside the work.
        /// </summary>
        /// <param name="capacity">When set, at most this many posted actions wait for the pipeline thread (see <see cref="PipelinePump"/>).</param>
        internal void RunEngine(Func<IOperationReporter, PipelinePump, CancellationToken, Task> work, int? capacity = null)
        {
            Begin();
            var pump = capacity is int bounded ? new PipelinePump(bounded, _stopping.Token) : new PipelinePump();
            var reporter = new CmdletReporter(this, pump, Interlocked.Increment(ref s_lastActivityId));
            try
            {
                pump.Run(Task.Run(() => work(reporter, pump, _stopping.Token)), _stopping);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (OpsRunbookException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex));
            }
            finally
            {
                _action?.Touch();
            }
        }

        internal void WriteFailure(OpsRunbookException exception) => WriteError(ToErrorRecord(exception));

        /// <summary>One item of a batch: its result, or its failure as a non-terminating error.</summary>
        internal void WriteOutcome<T>(Outcome<T> outcome)
            where T : class
        {
            if (outcome.Failure is null)
            {
                WriteObject(outcome.Result);
            }
            else
            {
                WriteFailure(outcome.Failure);
            }
        }

        internal void ThrowFailure(OpsRunbookException exception) => ThrowTerminatingError(ToErrorRecord(exception));

        public new void WriteObject(object? sendToPipeline)
        {
            Begin();
            _action?.Output(sendToPipeline);
            base.WriteObject(sendToPipeline);
        }

        public new void WriteObject(object? sendToPipeline, bool enumerateCollection)
        {
            Begin();
            if (_action is not null && enumerateCollection && LanguagePrimitives.GetEnumerable(sendToPipeline) is IEnumerable items)
            {
                // Enumerated once, here: what is written is what was counted.
                var list = new System.Collections.Generic.List<object?>();
                foreach (var item in items)
                {
                    list.Add(item);
                    _action.Output(item);
                }

                base.WriteObject(list, enumerateCollection: true);
                return;
            }

            if (_action is not null && !enumerateCollection)
            {
                _action.Output(sendToPipeline);
            }

            base.WriteObject(sendToPipeline, enumerateCollection);
        }

        public new void WriteError(ErrorRecord errorRecord)
        {
            Begin();
            _action?.Error(errorRecord);
            base.WriteError(errorRecord);
        }

        public new void ThrowTerminatingError(ErrorRecord errorRecord)
        {
            Begin();
            _action?.Error(errorRecord);
            base.ThrowTerminatingError(errorRecord);
        }

        internal static ErrorRecord ToErrorRecord(OpsRunbookException exception)
        {
            var category = Enum.TryParse<ErrorCategory>(exception.Category.ToString(), out var mapped) ? mapped : ErrorCategory.NotSpecified;
            return new ErrorRecord(exception, exception.ErrorId, category, exception.TargetObject)
            {
                ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = exception.RecommendedAction },
            };
        }

        /// <summary>A file path as the user typed it, relative to the current PowerShell location.</summary>
        internal string FileSystemPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        /// <summary>
        /// The command has begun (BeginProcessing, or the first thing it did when a cmdlet's own BeginProcessing
        /// does not call this one's): is there an incident to record it on? Decided once.
        /// </summary>
        private void Begin()
        {
            if (_begun)
            {
                return;
            }

            _begun = true;
            if (RecordsActions)
            {
                _action = ActionRecorder.For(this, ExplicitIncidentId, _startedAt);
            }
        }

        private TimeSpan Elapsed(long until) => Stopwatch.GetElapsedTime(_startedTimestamp, until);
    }
}
