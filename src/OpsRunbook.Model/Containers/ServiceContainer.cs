using System;

namespace OpsRunbook
{
    /// <summary>A container of a compose project (or any container, found by name), as `docker compose ps` shows it.</summary>
    public sealed class ServiceContainer
    {
        public ServiceContainer(string id, string name)
        {
            Id = id;
            Name = name;
        }

        /// <summary>The compose project (label com.docker.compose.project), when there is one.</summary>
        public string? Project { get; init; }

        /// <summary>The compose service (label com.docker.compose.service), when there is one.</summary>
        public string? Service { get; init; }

        public string Name { get; }

        /// <summary>The short (12 character) container id.</summary>
        public string Id { get; }

        public string? Image { get; init; }

        public ContainerState State { get; init; }

        public ContainerHealthStatus Health { get; init; }

        /// <summary>The last health check's output when the check fails.</summary>
        public string? HealthOutput { get; init; }

        public int RestartCount { get; init; }

        public int? ExitCode { get; init; }

        public DateTimeOffset? StartedAt { get; init; }

        public DateTimeOffset? FinishedAt { get; init; }

        /// <summary>How long it has been running; null when it is not running.</summary>
        public TimeSpan? Uptime { get; init; }

        /// <summary>Published ports as "127.0.0.1:8000->8000/tcp".</summary>
        public string[] Ports { get; init; } = Array.Empty<string>();

        /// <summary>Compose services this one depends on (label com.docker.compose.depends_on).</summary>
        public string[] DependsOn { get; init; } = Array.Empty<string>();

        /// <summary>The Docker daemon it was found on, so piped containers reach the same one.</summary>
        public string? DockerHost { get; init; }

        public override string ToString() => $"{Name} ({State}{(Health == ContainerHealthStatus.None ? string.Empty : ", " + Health)})";
    }
}
