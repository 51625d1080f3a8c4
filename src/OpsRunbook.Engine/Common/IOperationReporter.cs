namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// How the engine tells the caller what it is doing. The cmdlets turn these into the verbose and
    /// progress streams; tests and benchmarks pass <see cref="OperationReporter.None"/>.
    /// Calls may arrive from any thread.
    /// </summary>
    public interface IOperationReporter
    {
        /// <summary>False when verbose text would be discarded: callers skip building it.</summary>
        bool IsVerbose { get; }

        void Verbose(string message);

        void Warning(string message);

        void Progress(OperationProgress progress);
    }

    /// <param name="Activity">What the whole operation is ("Probing 3 services").</param>
    /// <param name="Status">Where it is now ("2 of 3 done; waiting for api").</param>
    /// <param name="PercentComplete">0-100, or -1 when unknown.</param>
    /// <param name="Completed">True once, when the operation is over.</param>
    public sealed record OperationProgress(string Activity, string Status, int PercentComplete, bool Completed = false);

    public static class OperationReporter
    {
        public static IOperationReporter None { get; } = new NullReporter();

        private sealed class NullReporter : IOperationReporter
        {
            public bool IsVerbose => false;

            public void Verbose(string message) { }

            public void Warning(string message) { }

            public void Progress(OperationProgress progress) { }
        }
    }
}
