namespace OpsRunbook.Engine.Common
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class CommonErrors
    {
        public const string InvalidPattern = nameof(InvalidPattern);
        public const string InvalidSince = nameof(InvalidSince);
        public const string PathNotFound = nameof(PathNotFound);
    }
}
