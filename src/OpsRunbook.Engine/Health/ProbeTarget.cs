using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>What the caller asks to probe, as given: the target may hold a password.</summary>
    public sealed class ProbeDefinition
    {
        public ProbeDefinition(string? target)
        {
            Target = target;
        }

        /// <summary>A URI (http, https, tcp, tls, postgres, postgresql, redis, rediss) or a connection string.</summary>
        public string? Target { get; }

        public string? Name { get; init; }

        /// <summary>Null to tell it from the target's scheme.</summary>
        public ServiceKind? Kind { get; init; }

        public NetworkCredential? Credential { get; init; }

        /// <summary>PEM file of the authority to trust for Tls probes, instead of the system's roots.</summary>
        public string? CaCertificatePath { get; init; }

        public IReadOnlyList<string> DependsOn { get; init; } = Array.Empty<string>();

        public IReadOnlyList<string> Tags { get; init; } = Array.Empty<string>();

        /// <summary>The Docker daemon of Container targets; null for DOCKER_HOST or the local socket.</summary>
        public string? DockerHost { get; init; }

        /// <summary>A Container target that restarted within this window is Degraded.</summary>
        public TimeSpan RestartWindow { get; init; } = ContainerHealthProbe.DefaultRestartWindow;

        /// <summary>Overrides the run's timeout for this target.</summary>
        public TimeSpan? Timeout { get; init; }

        /// <summary>When a Disk target is Degraded and Unhealthy.</summary>
        public DiskThresholds DiskThresholds { get; init; } = DiskThresholds.Default;

        public override string ToString() => $"{Name ?? "(unnamed)"} ({Kind?.ToString() ?? "?"} {ConnectionStringText.WithoutSecrets(Target ?? string.Empty)})";
    }

    /// <summary>A validated target, ready to probe. Holds its secrets; shows none.</summary>
    public sealed class ProbeTarget
    {
        private ProbeTarget(string name, HealthProbe probe, ProbeDefinition definition)
        {
            Name = name;
            Probe = probe;
            DependsOn = definition.DependsOn.ToArray();
            Tags = definition.Tags.ToArray();
            Timeout = definition.Timeout;
        }

        public string Name { get; }

        public ServiceKind Kind => Probe.Kind;

        public string DisplayTarget => Probe.DisplayTarget;

        public string[] DependsOn { get; }

        public string[] Tags { get; }

        public TimeSpan? Timeout { get; }

        internal HealthProbe Probe { get; }

        public override string ToString() => $"{Name} ({Kind} {DisplayTarget})";

        /// <summary>Validates a definition. Throws <see cref="OpsRunbookException"/> naming what is wrong.</summary>
        public static ProbeTarget Create(ProbeDefinition definition, Func<string, string?> environment)
        {
            var text = definition.Target?.Trim() ?? string.Empty;
            var kind = definition.Kind ?? KindFromScheme(text);
            HealthProbe probe = kind switch
            {
                ServiceKind.Http => new HttpHealthProbe(HttpUri(text), definition.Credential),
                ServiceKind.Postgres => new PostgresHealthProbe(PostgresConnectionInfo.Parse(text, definition.Credential, environment)),
                ServiceKind.Redis => new RedisHealthProbe(RedisConnectionInfo.Parse(text, definition.Credential, environment)),
                ServiceKind.Tcp => new TcpHealthProbe(HostEndpoint.Parse(RequireText(text, kind), null)),
                ServiceKind.Tls => new TlsHealthProbe(HostEndpoint.Parse(RequireText(text, kind), 443), definition.CaCertificatePath),
                ServiceKind.Container => new ContainerHealthProbe(ContainerHealthProbe.ContainerName(RequireText(text, kind)), definition.DockerHost, definition.RestartWindow, environment),
                ServiceKind.Disk => new DiskHealthProbe(DiskHealthProbe.ExistingPath(text), definition.DiskThresholds.Validate()),
                _ => throw new ArgumentOutOfRangeException(nameof(definition), kind, "unknown kind"),
            };

            var name = string.IsNullOrWhiteSpace(definition.Name) ? probe.DefaultName : definition.Name!;
            return new ProbeTarget(name, probe, definition);
        }

        /// <summary>The kind a target's scheme implies, for targets given without one.</summary>
        public static ServiceKind KindFromScheme(string text)
        {
            var colon = text.IndexOf("://", StringComparison.Ordinal);
            var scheme = colon > 0 ? text[..colon].ToLowerInvariant() : string.Empty;
            return scheme switch
            {
                "http" or "https" => ServiceKind.Http,
                "tcp" => ServiceKind.Tcp,
                "tls" => ServiceKind.Tls,
                "postgres" or "postgresql" => ServiceKind.Postgres,
                "container" => ServiceKind.Container,
                "redis" or "rediss" => ServiceKind.Redis,
                "disk" => ServiceKind.Disk,
                "" when LooksLikeNpgsql(text) => ServiceKind.Postgres,
                "" when text.StartsWith('/') => ServiceKind.Disk,
                "" => throw Failures.InvalidArgument(HealthErrors.ServiceKindRequired,
                    $"Cannot tell what kind of service '{ConnectionStringText.WithoutSecrets(text)}' is.",
                    ConnectionStringText.WithoutSecrets(text),
                    "Add -Kind (Http, Postgres, Redis, Tcp, Tls, Container, Disk) or give a URI with a scheme such as redis://host:6379, container://name or disk:///var/lib/postgresql."),
                _ => throw HostEndpoint.InvalidUri(text, $"the scheme '{scheme}' is not one of http, https, tcp, tls, postgres, postgresql, redis, rediss, container, disk"),
            };
        }

        private static bool LooksLikeNpgsql(string text) =>
            text.Contains('=') && text.Split(';').Any(part =>
                part.TrimStart().StartsWith("host=", StringComparison.OrdinalIgnoreCase) ||
                part.TrimStart().StartsWith("server=", StringComparison.OrdinalIgnoreCase));

        private static Uri HttpUri(string text)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw HostEndpoint.InvalidUri(text, "an Http target is an absolute http:// or https:// URI");
            }

            return uri;
        }

        private static string RequireText(string text, ServiceKind kind) =>
            text.Length > 0 ? text : throw HostEndpoint.InvalidUri(text, $"a {kind} target needs a host and port");
    }
}
