using System;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Database
{
    /// <summary>
    /// A backend to stop: its pid on a server and, when it came from Get-DatabaseActivity, when it started,
    /// so a pid the server has since given to a new session is not mistaken for the one that was seen.
    /// </summary>
    public sealed record SessionStopRequest(DatabaseConnector Connector, int Pid, DateTimeOffset? BackendStart = null)
    {
        /// <summary>
        /// The request for a session Get-DatabaseActivity wrote, on the server it was read from. A session that lost
        /// that (it crossed a process boundary) goes to <paramref name="fallback"/>.
        /// </summary>
        public static SessionStopRequest For(DatabaseSession session, TimeSpan timeout, Func<DatabaseConnector> fallback) =>
            new(session.Connection is PostgresConnectionInfo seenOn ? new DatabaseConnector(seenOn, timeout) : fallback(),
                session.Pid, session.BackendStart);
    }
}
