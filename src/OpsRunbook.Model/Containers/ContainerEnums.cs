namespace OpsRunbook
{
    /// <summary>Docker's container states.</summary>
    public enum ContainerState
    {
        Created,
        Running,
        Paused,
        Restarting,
        Removing,
        Exited,
        Dead,
    }

    /// <summary>The result of a container's HEALTHCHECK; None when the image defines none.</summary>
    public enum ContainerHealthStatus
    {
        None,
        Starting,
        Healthy,
        Unhealthy,
    }

    public enum LogStream
    {
        Stdout,
        Stderr,
    }

    public enum StackAction
    {
        Start,
        Wait,
        Stop,
    }

    public enum StackStepResult
    {
        /// <summary>The action was done and the service is where it should be.</summary>
        Done,
        /// <summary>Nothing to do: the container was running (Start) or stopped (Stop) already.</summary>
        Unchanged,
        /// <summary>It did not stop within its time and was killed.</summary>
        Killed,
        Failed,
    }
}
