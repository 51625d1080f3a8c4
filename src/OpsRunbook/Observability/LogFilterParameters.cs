using System;
using System.Management.Automation;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Observability
{
    /// <summary>
    /// -Since as Get-ServiceLog and Search-ServiceLog both take it (a TimeSpan, a DateTime, or 1h, 30m, 00:15:00),
    /// read once here so the two cmdlets cannot drift apart.
    /// </summary>
    internal static class LogFilterParameters
    {
        public static DateTimeOffset? Since(object? since) =>
            since is null ? null : TimeExpression.ParseSince(since is PSObject wrapped ? wrapped.BaseObject : since, DateTimeOffset.Now, "Since");
    }
}
