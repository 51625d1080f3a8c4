namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class ObservabilityErrors
    {
        public const string EnvironmentVariableNotSet = nameof(EnvironmentVariableNotSet);
        public const string InvalidPromQL = nameof(InvalidPromQL);
        public const string InvalidQueryRange = nameof(InvalidQueryRange);
        public const string InvalidQueryStep = nameof(InvalidQueryStep);
        public const string LogFileNotFound = nameof(LogFileNotFound);
        public const string LogFileUnreadable = nameof(LogFileUnreadable);
        public const string MetricNotFound = nameof(MetricNotFound);
        public const string MetricsEndpointFailed = nameof(MetricsEndpointFailed);
        public const string MetricsEndpointUnreachable = nameof(MetricsEndpointUnreachable);
        public const string MetricsParseFailed = nameof(MetricsParseFailed);
        public const string MetricsUriRequired = nameof(MetricsUriRequired);
        public const string PrometheusQueryFailed = nameof(PrometheusQueryFailed);
        public const string PrometheusRequired = nameof(PrometheusRequired);
        public const string PrometheusUnexpectedAnswer = nameof(PrometheusUnexpectedAnswer);
        public const string PrometheusUnreachable = nameof(PrometheusUnreachable);
        public const string RuleFileInvalid = nameof(RuleFileInvalid);
        public const string RuleFileNotFound = nameof(RuleFileNotFound);
        public const string RuleFileUnreadable = nameof(RuleFileUnreadable);
    }
}
