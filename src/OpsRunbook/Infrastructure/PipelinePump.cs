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
        private readonly BlockingCollection<Action> _actions;
        private readonly CancellationToken _stopping;

        public PipelinePump()
        {
            _actions = new BlockingCollection<Action>();
        }

        /// <summary>
        /// A pump whose queue holds at most <paramref name="capacity"/> actions: Post then waits for the pipeline thread,
        /// so an engine that produces faster than the pipeline consumes (a log search) keeps its memory flat.
        /// </summary>
        public PipelinePump(int capacity, CancellationToken stopping)
        {
            _actions = new BlockingCollection<Action>(capacity);
            _stopping = stopping;
        }

        /// <summary>Queues an action for the pipeline thread. Actions posted after the work ended are dropped.</summary>
        public void Post(Action action)
        {
            try
            {
                _actions.Add(action, _stopping);
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
