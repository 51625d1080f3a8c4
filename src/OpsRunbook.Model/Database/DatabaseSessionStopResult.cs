using System;

namespace OpsRunbook
{
    /// <summary>One session Stop-DatabaseSession acted on: what it was doing, and what happened.</summary>
    public sealed class DatabaseSessionStopResult
    {
        public DatabaseSessionStopResult(string server, int pid, DatabaseSessionStopAction action, DatabaseSessionStopStatus status)
        {
            Server = server;
            Pid = pid;
            Action = action;
            Status = status;
        }

        /// <summary>The server as postgres://user@host:port/database, without password.</summary>
        public string Server { get; }

        public int Pid { get; }

        public DatabaseSessionStopAction Action { get; }

        public DatabaseSessionStopStatus Status { get; }

        public string? Database { get; init; }

        public string? User { get; init; }

        public string? Application { get; init; }

        /// <summary>Its state before the signal.</summary>
        public DatabaseSessionState? State { get; init; }

        /// <summary>The query it was running before the signal.</summary>
        public string? Query { get; init; }

        /// <summary>How long it had been in its state before the signal.</summary>
        public TimeSpan? Duration { get; init; }

        /// <summary>From the signal to the moment the query or session was seen gone.</summary>
        public TimeSpan Elapsed { get; init; }

        public override string ToString() => $"pid {Pid}: {Status}";
    }
}
