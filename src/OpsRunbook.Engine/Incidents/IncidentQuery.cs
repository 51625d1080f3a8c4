using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Incidents.Stores;

namespace OpsRunbook.Engine.Incidents
{
    /// <summary>Which incidents Get-Incident shows. Empty lists filter nothing; Ids take wildcards.</summary>
    public sealed record IncidentFilter
    {
        public IReadOnlyList<string> Ids { get; init; } = Array.Empty<string>();

        public IReadOnlyList<IncidentStatus> Statuses { get; init; } = Array.Empty<IncidentStatus>();

        /// <summary>Only incidents opened at or after this time.</summary>
        public DateTimeOffset? Since { get; init; }
    }

    /// <summary>Reads incidents from a store, newest first.</summary>
    public sealed class IncidentQuery
    {
        private readonly IIncidentStore _store;

        public IncidentQuery(IIncidentStore store)
        {
            _store = store;
        }

        /// <summary>
        /// The incidents the filter selects. An Id without wildcards that is not in the store goes to
        /// <paramref name="notFound"/> and the rest go on.
        /// </summary>
        public async Task<IReadOnlyList<Incident>> FindAsync(IncidentFilter filter, Action<OpsRunbookException> notFound, CancellationToken cancellationToken)
        {
            var now = DateTimeOffset.Now;
            var literal = filter.Ids.Where(i => !NamePattern.HasWildcards(i)).Select(IncidentId.Check).ToList();
            var patterns = filter.Ids.Where(NamePattern.HasWildcards).ToList();
            var ids = new List<string>();
            foreach (var id in literal)
            {
                ids.Add(id);
            }

            if (filter.Ids.Count == 0 || patterns.Count > 0)
            {
                var listed = await _store.ListAsync(filter.Since, cancellationToken).ConfigureAwait(false);
                ids.AddRange(listed.Where(id => filter.Ids.Count == 0 || patterns.Any(p => NamePattern.IsMatch(id, p))));
            }

            var incidents = new List<Incident>();
            foreach (var id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                Incident incident;
                try
                {
                    incident = IncidentProjection.Build(id, await _store.ReadAsync(id, cancellationToken).ConfigureAwait(false), _store.Location, now);
                }
                catch (OpsRunbookException ex) when (ex.ErrorId == IncidentErrors.IncidentNotFound)
                {
                    // Listed ones vanish only while another process is still opening them: only a name asked for is an error.
                    if (literal.Contains(id, StringComparer.OrdinalIgnoreCase))
                    {
                        notFound(ex);
                    }

                    continue;
                }

                if ((filter.Statuses.Count == 0 || filter.Statuses.Contains(incident.Status)) && (filter.Since is not { } since || incident.StartedAt >= since))
                {
                    incidents.Add(incident);
                }
            }

            return incidents.OrderByDescending(i => i.StartedAt).ThenByDescending(i => i.Id, StringComparer.Ordinal).ToList();
        }
    }
}
