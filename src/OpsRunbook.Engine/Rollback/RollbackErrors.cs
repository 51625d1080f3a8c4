namespace OpsRunbook.Engine.Rollback
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class RollbackErrors
    {
        public const string ConfigFileNotFound = nameof(ConfigFileNotFound);
        public const string NotARollbackFolder = nameof(NotARollbackFolder);
        public const string RollbackComponentNotInInventory = nameof(RollbackComponentNotInInventory);
        public const string RollbackComponentNotInPoint = nameof(RollbackComponentNotInPoint);
        public const string RollbackFailed = nameof(RollbackFailed);
        public const string RollbackFolderNotFound = nameof(RollbackFolderNotFound);
        public const string RollbackInProgress = nameof(RollbackInProgress);
        public const string RollbackPointCorrupt = nameof(RollbackPointCorrupt);
        public const string RollbackPointExists = nameof(RollbackPointExists);
        public const string RollbackPointIncomplete = nameof(RollbackPointIncomplete);
        public const string RollbackPointNotFound = nameof(RollbackPointNotFound);
        public const string RollbackServiceNotInInventory = nameof(RollbackServiceNotInInventory);
        public const string RollbackTargetNotInInventory = nameof(RollbackTargetNotInInventory);
    }
}
