namespace OpsRunbook
{
    /// <summary>What became of it.</summary>
    public enum DatabaseSessionStopStatus
    {
        /// <summary>The query it was running has ended.</summary>
        Cancelled,
        /// <summary>The session has ended.</summary>
        Terminated,
        /// <summary>It was running no query, so there was nothing to cancel; no signal was sent.</summary>
        NothingToCancel,
        /// <summary>The signal was sent, but the query or session was still there when -TimeoutSec ran out.</summary>
        StillRunning,
        /// <summary>The query was cancelled, but this user may not see the session's state, so whether it ended is not known.</summary>
        Signalled,
    }
}
