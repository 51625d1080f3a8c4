using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// PowerShell only accepts WriteObject, WriteVerbose and WriteProgress on the pipeline thread. The engine
    /// runs on the thread pool and posts those calls here; the pipeline thread runs them until the work ends.
    /// </summary>
    internal sealed class PipelinePump
    {
        private readonly BlockingCollection<Action> _actions = new();

        /// <summary>Queues an action for the pipeline thread. Actions posted after the work ended are dropped.</summary>
        public void Post(Action action)
        {
            try
            {
                _actions.Add(action);
            }
            catch (InvalidOperationException)
            {
                // The work has finished; nothing listens any more.
            }
        }

        /// <summary>
        /// Runs <paramref name="function"/> on the pipeline thread and hands its answer back to the engine: for
        /// ShouldProcess, which must be asked there, right before the change it guards.
        /// </summary>
        public Task<T> InvokeAsync<T>(Func<T> function, CancellationToken cancellationToken)
        {
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try
                {
                    answer.TrySetResult(function());
                }
                catch (Exception ex)
                {
                    answer.TrySetException(ex);
                }
            });
            return answer.Task.WaitAsync(cancellationToken);
        }

        /// <summary>Runs posted actions on this thread until <paramref name="work"/> completes, then rethrows its failure.</summary>
        public void Run(Task work, CancellationTokenSource cancel)
        {
            work.ContinueWith(_ => _actions.CompleteAdding(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                foreach (var action in _actions.GetConsumingEnumerable())
                {
                    action();
                }
            }
            catch
            {
                // A write failed (the pipeline is stopping, or a downstream error): stop the work before leaving.
                cancel.Cancel();
                try
                {
                    work.Wait();
                }
                catch (AggregateException)
                {
                }

                throw;
            }

            work.GetAwaiter().GetResult();
        }
    }
}
