namespace OpsRunbook
{
    /// <summary>Seed 001's severity levels.</summary>
    public enum IncidentSeverity
    {
        /// <summary>Complete service outage; respond immediately (within 5 minutes).</summary>
        P0,
        /// <summary>Major degradation; respond within 15 minutes.</summary>
        P1,
        /// <summary>Limited feature impact; respond within 1 hour.</summary>
        P2,
        /// <summary>Cosmetic or minimal; respond the next business day.</summary>
        P3,
    }

    /// <summary>Where an incident is, in the words of seed 001's status updates.</summary>
    public enum IncidentStatus
    {
        Investigating,
        Identified,
        Monitoring,
        Resolved,
    }

    /// <summary>What a timeline entry records.</summary>
    public enum IncidentEventKind
    {
        /// <summary>The incident was opened.</summary>
        Opened,
        /// <summary>A service was found affected (from a ServiceHealth result or -Service).</summary>
        ServiceAffected,
        /// <summary>An evidence file was written to the incident's evidence folder.</summary>
        Evidence,
        /// <summary>A source of evidence could not be reached; what was tried and why it failed.</summary>
        EvidenceSkipped,
        Note,
        /// <summary>A follow-up to do after the incident (the post-mortem's action items).</summary>
        ActionItem,
        StatusChanged,
        /// <summary>A message was delivered to the webhook.</summary>
        Notified,
        /// <summary>A message could not be delivered after its retries.</summary>
        NotificationFailed,
        /// <summary>The incident was resolved, with its resolution and root cause.</summary>
        Resolved,
        /// <summary>An OpsRunbook command ran while the incident was current: what it was given, found or changed, how long it took.</summary>
        Action,
    }
}
