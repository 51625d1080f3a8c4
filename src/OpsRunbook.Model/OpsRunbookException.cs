using System;

namespace OpsRunbook
{
    /// <summary>
    /// Why an operation could not be done. Names match System.Management.Automation.ErrorCategory
    /// so the cmdlets map one onto the other by name; this assembly stays free of PowerShell.
    /// </summary>
    public enum FailureCategory
    {
        NotSpecified,
        InvalidArgument,
        InvalidData,
        InvalidOperation,
        InvalidResult,
        ResourceExists,
        ObjectNotFound,
        ParserError,
        ConnectionError,
        AuthenticationError,
        OperationTimeout,
        ResourceUnavailable,
        PermissionDenied,
        NotInstalled,
        ReadError,
        WriteError,
        SecurityError,
        LimitsExceeded,
        OperationStopped,
    }

    /// <summary>
    /// The one exception the engine throws for anything a user can act on. It lives here, not in the
    /// engine, so scripts can catch it by type: <c>catch [OpsRunbook.OpsRunbookException]</c>.
    /// </summary>
    public class OpsRunbookException : Exception
    {
        public OpsRunbookException(string errorId, FailureCategory category, string message,
            object? targetObject = null, string? recommendedAction = null, Exception? innerException = null)
            : base(message, innerException)
        {
            ErrorId = errorId;
            Category = category;
            TargetObject = targetObject;
            RecommendedAction = recommendedAction;
        }

        /// <summary>A stable identifier such as <c>InventoryInvalid</c>; the cmdlet appends its own name.</summary>
        public string ErrorId { get; }

        public FailureCategory Category { get; }

        /// <summary>What the error is about: a file, a service name, a target (never one holding a password).</summary>
        public object? TargetObject { get; }

        /// <summary>What to do about it, in one sentence.</summary>
        public string? RecommendedAction { get; }
    }
}
