using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>Which containers to find: those of a compose project and its services, or by name; running only unless All.</summary>
    public sealed record ContainerQuery(string? Project, IReadOnlyList<string> Services, IReadOnlyList<string> Names, bool All);

    /// <summary>Finds containers the way `docker compose ps` does: by the labels compose puts on them.</summary>
    public sealed class ContainerCatalog
    {
        public const string ProjectLabel = "com.docker.compose.project";
        public const string ServiceLabel = "com.docker.compose.service";
        public const string DependsOnLabel = "com.docker.compose.depends_on";

        private readonly DockerConnection _docker;

        public ContainerCatalog(DockerConnection docker)
        {
            _docker = docker;
        }

        /// <summary>
        /// The containers that match, ordered by project, service and name. A literal name or service that
        /// matches nothing, or a project with no container, is a ContainerNotFound error.
        /// </summary>
        public async Task<IReadOnlyList<ServiceContainer>> FindAsync(ContainerQuery query, CancellationToken cancellationToken)
        {
            var parameters = new ContainersListParameters { All = query.All || query.Names.Count > 0 };
            if (query.Project is not null)
            {
                parameters.Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [$"{ProjectLabel}={query.Project}"] = true },
                };
            }

            var listed = await _docker.CallAsync((c, t) => c.Containers.ListContainersAsync(parameters, t), null, cancellationToken).ConfigureAwait(false);
            if (query.Project is not null && listed.Count == 0)
            {
                throw new OpsRunbookException(ContainerErrors.ContainerNotFound, FailureCategory.ObjectNotFound,
                    $"The compose project '{query.Project}' has no {(query.All ? string.Empty : "running ")}container on {_docker.Host}.", query.Project,
                    query.All ? "Check the project name (docker compose ls); -DockerHost picks another daemon." : "Add -All to see stopped containers too.");
            }

            var selected = listed.Where(c => Matches(c, query)).ToList();
            foreach (var literal in query.Names.Where(n => !NamePattern.HasWildcards(n)))
            {
                if (!selected.Any(c => NameOf(c).Equals(literal, StringComparison.OrdinalIgnoreCase) || c.ID.StartsWith(literal, StringComparison.OrdinalIgnoreCase)))
                {
                    throw DockerConnection.ContainerNotFound(literal);
                }
            }

            foreach (var service in query.Services.Where(s => !NamePattern.HasWildcards(s)))
            {
                if (!selected.Any(c => Label(c.Labels, ServiceLabel)?.Equals(service, StringComparison.OrdinalIgnoreCase) == true))
                {
                    throw new OpsRunbookException(ContainerErrors.ContainerNotFound, FailureCategory.ObjectNotFound,
                        $"No {(query.All ? string.Empty : "running ")}container of the service '{service}'{(query.Project is null ? string.Empty : $" in the project '{query.Project}'")}.",
                        service, "Get-ServiceContainer -All lists the services there are.");
                }
            }

            var inspected = await Task.WhenAll(selected.Select(c => InspectAsync(c.ID, cancellationToken))).ConfigureAwait(false);
            return inspected.OrderBy(c => c.Project).ThenBy(c => c.Service).ThenBy(c => c.Name).ToList();
        }

        /// <summary>
        /// Several queries at once. A query that finds nothing goes to <paramref name="notFound"/> and the others
        /// go on; each container comes back once. An unreachable daemon still ends it all.
        /// </summary>
        public async Task<IReadOnlyList<ServiceContainer>> FindEachAsync(IEnumerable<ContainerQuery> queries, Action<OpsRunbookException> notFound, CancellationToken cancellationToken)
        {
            var found = new List<ServiceContainer>();
            foreach (var query in queries)
            {
                try
                {
                    found.AddRange(await FindAsync(query, cancellationToken).ConfigureAwait(false));
                }
                catch (OpsRunbookException ex) when (ex.ErrorId == ContainerErrors.ContainerNotFound)
                {
                    notFound(ex);
                }
            }

            return found.GroupBy(c => c.Id).Select(g => g.First()).ToList();
        }

        /// <summary>One container by name or id, whatever its state.</summary>
        public Task<ServiceContainer> GetAsync(string nameOrId, CancellationToken cancellationToken) => InspectAsync(nameOrId, cancellationToken);

        private async Task<ServiceContainer> InspectAsync(string nameOrId, CancellationToken cancellationToken)
        {
            var inspect = await _docker.CallAsync((c, t) => c.Containers.InspectContainerAsync(nameOrId, t), nameOrId, cancellationToken).ConfigureAwait(false);
            return ToServiceContainer(inspect, _docker.Host, DateTimeOffset.UtcNow);
        }

        internal static ServiceContainer ToServiceContainer(ContainerInspectResponse inspect, string host, DateTimeOffset now)
        {
            var labels = inspect.Config?.Labels;
            var state = ParseState(inspect.State?.Status);
            var started = ParseTime(inspect.State?.StartedAt);
            var health = ParseHealth(inspect.State?.Health?.Status);
            var lastCheck = inspect.State?.Health?.Log?.LastOrDefault();
            return new ServiceContainer(inspect.ID[..Math.Min(12, inspect.ID.Length)], inspect.Name.TrimStart('/'))
            {
                Project = Label(labels, ProjectLabel),
                Service = Label(labels, ServiceLabel),
                Image = inspect.Config?.Image ?? inspect.Image,
                State = state,
                Health = health,
                HealthOutput = health == ContainerHealthStatus.Unhealthy ? lastCheck?.Output?.Trim() : null,
                RestartCount = (int)inspect.RestartCount,
                ExitCode = state is ContainerState.Exited or ContainerState.Dead ? (int?)inspect.State?.ExitCode : null,
                StartedAt = started,
                FinishedAt = ParseTime(inspect.State?.FinishedAt),
                Uptime = state == ContainerState.Running && started is not null ? now - started.Value : null,
                Ports = Ports(inspect),
                DependsOn = DependsOn(labels),
                DockerHost = host,
            };
        }

        /// <summary>Compose writes "postgres:service_healthy:false,redis:service_started:false".</summary>
        internal static string[] DependsOn(IDictionary<string, string>? labels) =>
            (Label(labels, DependsOnLabel) ?? string.Empty)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(entry => entry.Split(':')[0])
                .Where(name => name.Length > 0)
                .ToArray();

        private static bool Matches(ContainerListResponse container, ContainerQuery query)
        {
            var service = Label(container.Labels, ServiceLabel);
            if (query.Services.Count > 0 && (service is null || !query.Services.Any(p => NamePattern.IsMatch(service, p))))
            {
                return false;
            }

            return query.Names.Count == 0 || query.Names.Any(p =>
                NamePattern.IsMatch(NameOf(container), p) || (!NamePattern.HasWildcards(p) && p.Length >= 4 && container.ID.StartsWith(p, StringComparison.OrdinalIgnoreCase)));
        }

        private static string NameOf(ContainerListResponse container) => container.Names.FirstOrDefault()?.TrimStart('/') ?? container.ID;

        internal static string? Label(IDictionary<string, string>? labels, string name) =>
            labels is not null && labels.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

        internal static ContainerState ParseState(string? status) =>
            Enum.TryParse<ContainerState>(status, ignoreCase: true, out var state) ? state : ContainerState.Dead;

        private static ContainerHealthStatus ParseHealth(string? status) =>
            Enum.TryParse<ContainerHealthStatus>(status, ignoreCase: true, out var health) ? health : ContainerHealthStatus.None;

        // Docker writes "0001-01-01T00:00:00Z" for never.
        private static DateTimeOffset? ParseTime(string? text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) && time.Year > 1 ? time : null;

        private static string[] Ports(ContainerInspectResponse inspect) =>
            inspect.NetworkSettings?.Ports?
                .SelectMany(p => p.Value is null || p.Value.Count == 0
                    ? new[] { p.Key }
                    : p.Value.Select(b => $"{(string.IsNullOrEmpty(b.HostIP) ? "0.0.0.0" : b.HostIP)}:{b.HostPort}->{p.Key}"))
                .OrderBy(p => p)
                .ToArray() ?? Array.Empty<string>();
    }
}
