namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class DatabaseErrors
    {
        public const string AuthenticationFailed = nameof(AuthenticationFailed);
        public const string BackupCorrupt = nameof(BackupCorrupt);
        public const string BackupExists = nameof(BackupExists);
        public const string BackupFailed = nameof(BackupFailed);
        public const string BackupFolderNotFound = nameof(BackupFolderNotFound);
        public const string BackupHasMetaCommand = nameof(BackupHasMetaCommand);
        public const string BackupNotFound = nameof(BackupNotFound);
        public const string BackupPathUnwritable = nameof(BackupPathUnwritable);
        public const string BackupUnreadable = nameof(BackupUnreadable);
        public const string BackupUnverified = nameof(BackupUnverified);
        public const string BackupWriteFailed = nameof(BackupWriteFailed);
        public const string ConcurrentlyNeedsReindex = nameof(ConcurrentlyNeedsReindex);
        public const string ConflictingOperations = nameof(ConflictingOperations);
        public const string ConnectionFailed = nameof(ConnectionFailed);
        public const string ConnectionTimeout = nameof(ConnectionTimeout);
        public const string DatabaseCommandFailed = nameof(DatabaseCommandFailed);
        public const string DatabaseNotFound = nameof(DatabaseNotFound);
        public const string InvalidMinDuration = nameof(InvalidMinDuration);
        public const string LockTimeout = nameof(LockTimeout);
        public const string OperationMissing = nameof(OperationMissing);
        public const string OwnSession = nameof(OwnSession);
        public const string PermissionDenied = nameof(PermissionDenied);
        public const string PgToolNotFound = nameof(PgToolNotFound);
        public const string QueryTimeout = nameof(QueryTimeout);
        public const string RestoreFailed = nameof(RestoreFailed);
        public const string RestoreInProgress = nameof(RestoreInProgress);
        public const string RestorePropertiesFailed = nameof(RestorePropertiesFailed);
        public const string RestoreSwapFailed = nameof(RestoreSwapFailed);
        public const string RestoreVerificationFailed = nameof(RestoreVerificationFailed);
        public const string SessionNotFound = nameof(SessionNotFound);
        public const string SessionNotSignalled = nameof(SessionNotSignalled);
        public const string TableNotFound = nameof(TableNotFound);
        public const string TargetDatabaseRequired = nameof(TargetDatabaseRequired);
        public const string TooManyConnections = nameof(TooManyConnections);
        public const string UserNotFound = nameof(UserNotFound);
    }
}
