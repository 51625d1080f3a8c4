using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Health
{
    /// <summary>One way of asking a service whether it is well. Subclasses hold their parsed endpoint.</summary>
    internal abstract class HealthProbe
    {
        public abstract ServiceKind Kind { get; }

        /// <summary>The target as it may be shown: no password.</summary>
        public abstract string DisplayTarget { get; }

        /// <summary>The name used when the caller gives none.</summary>
        public abstract string DefaultName { get; }

        /// <summary>Secret values this probe holds, removed from any text it reports.</summary>
        public abstract IEnumerable<string?> Secrets { get; }

        /// <summary>Probes once. A service that answers badly is an outcome; a failure to reach it may throw.</summary>
        public abstract Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken);
    }

    /// <param name="Timeout">The probe's whole budget; drivers that take their own timeouts get it too.</param>
    internal sealed record ProbeContext(System.TimeSpan Timeout);
}
