namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class RedisErrors
    {
        public const string ClearAllRequiresForce = nameof(ClearAllRequiresForce);
        public const string InvalidDatabase = nameof(InvalidDatabase);
        public const string PatternAndAll = nameof(PatternAndAll);
        public const string PatternRequired = nameof(PatternRequired);
        public const string RedisAppendOnly = nameof(RedisAppendOnly);
        public const string RedisBackupConfigUnavailable = nameof(RedisBackupConfigUnavailable);
        public const string RedisBackupExists = nameof(RedisBackupExists);
        public const string RedisBackupFileNotReachable = nameof(RedisBackupFileNotReachable);
        public const string RedisBackupInvalidFile = nameof(RedisBackupInvalidFile);
        public const string RedisBackupSaveFailed = nameof(RedisBackupSaveFailed);
        public const string RedisBackupServerAmbiguous = nameof(RedisBackupServerAmbiguous);
        public const string RedisBackupTimeout = nameof(RedisBackupTimeout);
        public const string RedisCommandFailed = nameof(RedisCommandFailed);
        public const string RedisConnectionLost = nameof(RedisConnectionLost);
        public const string RedisNotReady = nameof(RedisNotReady);
        public const string RedisPermissionDenied = nameof(RedisPermissionDenied);
        public const string RedisPrimaryNotFound = nameof(RedisPrimaryNotFound);
        public const string RedisRestoreIncomplete = nameof(RedisRestoreIncomplete);
        public const string RedisRestoreNeedsContainer = nameof(RedisRestoreNeedsContainer);
        public const string RedisServerNotFound = nameof(RedisServerNotFound);
        public const string RedisSnapshotUnreadable = nameof(RedisSnapshotUnreadable);
        public const string RedisStagingFailed = nameof(RedisStagingFailed);
        public const string RedisTimeout = nameof(RedisTimeout);
    }
}
