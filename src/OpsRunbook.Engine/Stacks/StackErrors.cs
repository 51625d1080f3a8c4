namespace OpsRunbook.Engine.Stacks
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class StackErrors
    {
        public const string CredentialServiceWithoutCredential = nameof(CredentialServiceWithoutCredential);
        public const string InventoryFormatUnsupported = nameof(InventoryFormatUnsupported);
        public const string InventoryInvalid = nameof(InventoryInvalid);
        public const string InventoryNotFound = nameof(InventoryNotFound);
        public const string InventoryParseFailed = nameof(InventoryParseFailed);
        public const string InventorySecretInline = nameof(InventorySecretInline);
        public const string PostgresServiceNotChosen = nameof(PostgresServiceNotChosen);
        public const string RedisServiceNotFound = nameof(RedisServiceNotFound);
        public const string SecretVariableNotSet = nameof(SecretVariableNotSet);
        public const string ServiceNotFound = nameof(ServiceNotFound);
        public const string ServiceNotPostgres = nameof(ServiceNotPostgres);
        public const string ServiceNotRedis = nameof(ServiceNotRedis);
        public const string StackDependencyCycle = nameof(StackDependencyCycle);
        public const string UnknownServiceKind = nameof(UnknownServiceKind);
    }
}
