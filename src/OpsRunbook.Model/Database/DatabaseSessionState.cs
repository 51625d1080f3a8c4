namespace OpsRunbook
{
    /// <summary>The state column of pg_stat_activity, as an enum that completes with Tab.</summary>
    public enum DatabaseSessionState
    {
        /// <summary>'active': running a query.</summary>
        Active,
        /// <summary>'idle': waiting for the client's next command.</summary>
        Idle,
        /// <summary>'idle in transaction': in a transaction, not running a query; it may hold locks.</summary>
        IdleInTransaction,
        /// <summary>'idle in transaction (aborted)': in a failed transaction the client has not rolled back.</summary>
        IdleInTransactionAborted,
        /// <summary>'fastpath function call'.</summary>
        FastpathFunctionCall,
        /// <summary>'disabled': track_activities is off for this session.</summary>
        Disabled,
    }
}
