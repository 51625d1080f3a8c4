namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class HealthErrors
    {
        public const string InvalidCaCertificate = nameof(InvalidCaCertificate);
        public const string InvalidDiskThreshold = nameof(InvalidDiskThreshold);
        public const string NameCountMismatch = nameof(NameCountMismatch);
        public const string PathWithOtherTargets = nameof(PathWithOtherTargets);
        public const string ServiceKindRequired = nameof(ServiceKindRequired);
        public const string ServiceNotHealthy = nameof(ServiceNotHealthy);
        public const string TargetMissing = nameof(TargetMissing);
    }
}
