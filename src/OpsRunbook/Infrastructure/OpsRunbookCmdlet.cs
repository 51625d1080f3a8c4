using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// What every OpsRunbook cmdlet shares: a cancellation token that Ctrl+C cancels, a way to run engine
    /// work while its reports reach the pipeline, and the one mapping from engine failures to ErrorRecords.
    /// </summary>
    public abstract class OpsRunbookCmdlet : PSCmdlet, IDisposable
    {
        private static int s_lastActivityId;

        private readonly CancellationTokenSource _stopping = new();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        public void Dispose()
        {
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }

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
    }
}
