namespace OpsRunbook.Engine.Connections
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class ConnectionErrors
    {
        public const string ConnectionStringMissing = nameof(ConnectionStringMissing);
        public const string InvalidConnectionString = nameof(InvalidConnectionString);
        public const string InvalidUri = nameof(InvalidUri);
        public const string RedisAuthenticationFailed = nameof(RedisAuthenticationFailed);
        public const string RedisConnectionFailed = nameof(RedisConnectionFailed);
        public const string RedisPasswordRequired = nameof(RedisPasswordRequired);
    }
}
