namespace OpsRunbook.Engine.Incidents
{
    /// <summary>
    /// The error ids this area raises (an ErrorRecord's FullyQualifiedErrorId before the comma, and
    /// OpsRunbookException.ErrorId). Scripts match on them, so they never change; about_OpsRunbook_Errors says when
    /// each happens and what to do, and a test keeps the two and the code in step.
    /// </summary>
    public static class IncidentErrors
    {
        public const string IncidentAlreadyResolved = nameof(IncidentAlreadyResolved);
        public const string IncidentNotFound = nameof(IncidentNotFound);
        public const string IncidentStoreBusy = nameof(IncidentStoreBusy);
        public const string IncidentStoreNotConfigured = nameof(IncidentStoreNotConfigured);
        public const string IncidentStoreUnreadable = nameof(IncidentStoreUnreadable);
        public const string IncidentStoreUnwritable = nameof(IncidentStoreUnwritable);
        public const string IncidentTextEmpty = nameof(IncidentTextEmpty);
        public const string IncidentTitleMissing = nameof(IncidentTitleMissing);
        public const string InvalidEscalationPolicy = nameof(InvalidEscalationPolicy);
        public const string InvalidIncidentId = nameof(InvalidIncidentId);
        public const string InvalidWebhookUri = nameof(InvalidWebhookUri);
        public const string NoCurrentIncident = nameof(NoCurrentIncident);
        public const string ReportExists = nameof(ReportExists);
        public const string ReportUnwritable = nameof(ReportUnwritable);
        public const string StoreCredentialNotApplicable = nameof(StoreCredentialNotApplicable);
        public const string WebhookNotConfigured = nameof(WebhookNotConfigured);
    }
}
