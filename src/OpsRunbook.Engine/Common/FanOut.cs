using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Common
{
    /// <summary>The order a fan-out hands its results back in.</summary>
    public enum FanOutOrder
    {
        /// <summary>Each result as soon as its item is done: what a user watching a terminal wants first.</summary>
        AsCompleted,

        /// <summary>In the order of the items, each as soon as it and every one before it are done.</summary>
        AsGiven,
    }

    /// <summary>One item of a fan-out and what became of it.</summary>
    public sealed record FanOutResult<TItem, TResult>(TItem Item, Outcome<TResult> Outcome)
        where TResult : class;

    /// <summary>
    /// The module's one fan-out: runs the work over the items at most <c>throttleLimit</c> at a time. An
    /// OpsRunbookException of one item is that item's outcome and the others go on; anything else, or the caller's
    /// cancellation, ends the whole fan-out, and the items still running are cancelled before it returns.
    /// </summary>
    public static class FanOut
    {
        public static async IAsyncEnumerable<FanOutResult<TItem, TResult>> RunAsync<TItem, TResult>(
            IReadOnlyList<TItem> items,
            int throttleLimit,
            FanOutOrder order,
            Func<TItem, CancellationToken, Task<TResult>> work,
            [EnumeratorCancellation] CancellationToken cancellationToken)
            where TResult : class
        {
            if (throttleLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(throttleLimit), throttleLimit, "The throttle limit must be at least 1.");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var gate = new SemaphoreSlim(throttleLimit);
            var done = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });
            var tasks = items.Select((item, index) => RunOneAsync(item, index)).ToList();
            var all = Task.WhenAll(tasks);
            _ = all.ContinueWith(t => done.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

            try
            {
                if (order == FanOutOrder.AsCompleted)
                {
                    await foreach (var index in done.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                    {
                        // Signalled from the item's finally: its task completes a moment later.
                        var outcome = await tasks[index].ConfigureAwait(false);
                        yield return new FanOutResult<TItem, TResult>(items[index], outcome);
                    }
                }
                else
                {
                    for (var index = 0; index < tasks.Count; index++)
                    {
                        var outcome = await tasks[index].WaitAsync(cancellationToken).ConfigureAwait(false);
                        yield return new FanOutResult<TItem, TResult>(items[index], outcome);
                    }
                }

                await all.ConfigureAwait(false);
            }
            finally
            {
                // A caller that stops reading early (or fails) leaves nothing running behind it.
                stop.Cancel();
                try
                {
                    await all.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Already surfaced above, or the cancellation just asked for.
                }
            }

            async Task<Outcome<TResult>> RunOneAsync(TItem item, int index)
            {
                try
                {
                    await gate.WaitAsync(stop.Token).ConfigureAwait(false);
                    try
                    {
                        return Outcome<TResult>.Success(await work(item, stop.Token).ConfigureAwait(false));
                    }
                    catch (OpsRunbookException ex) when (!stop.IsCancellationRequested)
                    {
                        return Outcome<TResult>.Failed(ex);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
                finally
                {
                    done.Writer.TryWrite(index);
                }
            }
        }
    }
}
