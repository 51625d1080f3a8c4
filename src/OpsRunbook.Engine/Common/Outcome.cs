namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// What became of one item of a batch: a result, or the failure that stopped that item alone.
    /// The cmdlets write the one and report the other as a non-terminating error.
    /// </summary>
    public sealed class Outcome<T>
        where T : class
    {
        private Outcome(T? result, OpsRunbookException? failure)
        {
            Result = result;
            Failure = failure;
        }

        public T? Result { get; }

        public OpsRunbookException? Failure { get; }

        public static Outcome<T> Success(T result) => new(result, null);

        public static Outcome<T> Failed(OpsRunbookException failure) => new(null, failure);
    }
}
