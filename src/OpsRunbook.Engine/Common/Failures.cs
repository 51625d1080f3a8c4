namespace OpsRunbook.Engine.Common
{
    /// <summary>Builds the engine's exceptions for bad input, so messages read alike across areas.</summary>
    public static class Failures
    {
        public static OpsRunbookException InvalidArgument(string errorId, string message, object? target, string recommendedAction) =>
            new(errorId, FailureCategory.InvalidArgument, message, target, recommendedAction);

        public static OpsRunbookException InvalidData(string errorId, string message, object? target, string recommendedAction) =>
            new(errorId, FailureCategory.InvalidData, message, target, recommendedAction);
    }
}
