namespace OpsRunbook
{
    /// <summary>What Stop-DatabaseSession asked of a backend.</summary>
    public enum DatabaseSessionStopAction
    {
        /// <summary>pg_cancel_backend: cancel the running query; the session stays.</summary>
        Cancel,
        /// <summary>pg_terminate_backend: end the session; its open transaction rolls back.</summary>
        Terminate,
    }
}
