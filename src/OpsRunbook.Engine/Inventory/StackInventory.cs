using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Health;

namespace OpsRunbook.Engine.Inventory
{
    /// <summary>A stack described once in a .psd1 or .json file: its services, their order and their secrets by reference.</summary>
    public sealed class StackInventory
    {
        public StackInventory(string path, string? name, IReadOnlyList<InventoryService> services, string? dockerHost = null)
        {
            Path = path;
            Name = name;
            Services = services;
            DockerHost = dockerHost;
        }

        public string Path { get; }

        public string? Name { get; }

        /// <summary>The Docker daemon that runs the stack's containers, when not the one of DOCKER_HOST.</summary>
        public string? DockerHost { get; }

        public IReadOnlyList<InventoryService> Services { get; }

        /// <summary>The stack's configuration files (compose file, env files), full paths: what a restore point copies.</summary>
        public IReadOnlyList<string> Configuration { get; init; } = Array.Empty<string>();

        /// <summary>
        /// The services whose names match any of the wildcard patterns (all when none are given),
        /// in file order. A pattern without wildcards that matches nothing is an error.
        /// </summary>
        public IReadOnlyList<InventoryService> Select(IReadOnlyCollection<string>? namePatterns, IReadOnlyCollection<string>? tags)
        {
            var selected = Services.AsEnumerable();
            if (namePatterns is { Count: > 0 })
            {
                foreach (var literal in namePatterns.Where(p => !NamePattern.HasWildcards(p)))
                {
                    if (!Services.Any(s => s.Name.Equals(literal, StringComparison.OrdinalIgnoreCase)))
                    {
                        throw new OpsRunbookException("ServiceNotFound", FailureCategory.ObjectNotFound,
                            $"The inventory '{Path}' has no service named '{literal}'. It has: {string.Join(", ", Services.Select(s => s.Name))}.",
                            literal, "Use one of the names in the inventory; -Name completes them with Tab.");
                    }
                }

                selected = selected.Where(s => namePatterns.Any(p => NamePattern.IsMatch(s.Name, p)));
            }

            if (tags is { Count: > 0 })
            {
                selected = selected.Where(s => s.Tags.Any(t => tags.Contains(t, StringComparer.OrdinalIgnoreCase)));
            }

            return selected.ToList();
        }

        /// <summary>
        /// Probe targets for the given services. The password of a Postgres or Redis service comes from the credential
        /// when one is given; else, and for every other kind, from the service's PasswordVariable.
        /// </summary>
        public ProbeTarget ToProbeTarget(InventoryService service, NetworkCredential? credential, Func<string, string?> environment,
            string? dockerHost = null, TimeSpan? restartWindow = null, DiskThresholds? diskThresholds = null)
        {
            credential = CredentialFor(service, credential, environment);
            try
            {
                return ProbeTarget.Create(new ProbeDefinition(service.Target)
                {
                    Name = service.Name,
                    Kind = service.Kind,
                    Credential = credential,
                    CaCertificatePath = service.CaCertificatePath,
                    DockerHost = dockerHost ?? DockerHost,
                    RestartWindow = restartWindow ?? ContainerHealthProbe.DefaultRestartWindow,
                    DependsOn = service.DependsOn,
                    Tags = service.Tags,
                    Timeout = service.TimeoutSec is int seconds ? TimeSpan.FromSeconds(seconds) : null,
                    DiskThresholds = diskThresholds ?? DiskThresholds.Default,
                }, environment);
            }
            catch (OpsRunbookException ex)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"Service '{service.Name}' in '{Path}': {ex.Message}", service.Name, ex.RecommendedAction, ex);
            }
        }

        /// <summary>
        /// The PostgreSQL service named <paramref name="name"/>, or the only one of the file when no name is
        /// given, as a connection. The password comes as for <see cref="ToProbeTarget"/>.
        /// </summary>
        public PostgresConnectionInfo ToPostgresConnection(string? name, NetworkCredential? credential, Func<string, string?> environment)
        {
            var postgres = Services.Where(s => s.Kind == ServiceKind.Postgres).ToList();
            InventoryService service;
            if (string.IsNullOrEmpty(name))
            {
                service = postgres.Count == 1
                    ? postgres[0]
                    : throw new OpsRunbookException("PostgresServiceNotChosen", FailureCategory.InvalidArgument,
                        postgres.Count == 0
                            ? $"The inventory '{Path}' has no Postgres service."
                            : $"The inventory '{Path}' has {postgres.Count} Postgres services: {string.Join(", ", postgres.Select(s => s.Name))}.",
                        Path, postgres.Count == 0 ? "Add a service with Kind = 'Postgres', or give -ConnectionString." : "Say which with -Name.");
            }
            else
            {
                service = Select(new[] { name }, null).FirstOrDefault()
                    ?? throw new OpsRunbookException("ServiceNotFound", FailureCategory.ObjectNotFound,
                        $"The inventory '{Path}' has no service named '{name}'.", name, "Use one of the names in the inventory; -Name completes them with Tab.");
                if (service.Kind != ServiceKind.Postgres)
                {
                    throw new OpsRunbookException("ServiceNotPostgres", FailureCategory.InvalidArgument,
                        $"The service '{service.Name}' in '{Path}' is of kind {service.Kind}, not Postgres.", service.Name,
                        postgres.Count == 0 ? "Give -ConnectionString instead." : $"Use a Postgres service: {string.Join(", ", postgres.Select(s => s.Name))}.");
                }
            }

            try
            {
                return PostgresConnectionInfo.Parse(service.Target, CredentialFor(service, credential, environment), environment);
            }
            catch (OpsRunbookException ex)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"Service '{service.Name}' in '{Path}': {ex.Message}", service.Name, ex.RecommendedAction, ex);
            }
        }

        /// <summary>
        /// For a Postgres or Redis service the credential given wins; every service else takes the password of its own
        /// PasswordVariable, with its UserName. A database password given for a stack is never sent to its HTTP endpoints.
        /// </summary>
        internal NetworkCredential? CredentialFor(InventoryService service, NetworkCredential? credential, Func<string, string?> environment)
        {
            if (credential is not null && service.Kind is ServiceKind.Postgres or ServiceKind.Redis)
            {
                return credential;
            }

            if (service.PasswordVariable is string variable)
            {
                var password = environment(variable) ?? throw new OpsRunbookException("SecretVariableNotSet", FailureCategory.InvalidArgument,
                    $"The service '{service.Name}' in '{Path}' takes its password from the environment variable '{variable}', which is not set.",
                    service.Name, $"Set {variable} before running, or pass -Credential.");
                return new NetworkCredential(service.UserName ?? string.Empty, password);
            }

            return service.UserName is null ? null : new NetworkCredential(service.UserName, (string?)null);
        }
    }

    /// <summary>One service of an inventory. Target is expanded from ${env:NAME} references; it may not hold a password.</summary>
    public sealed record InventoryService(
        string Name,
        ServiceKind Kind,
        string Target,
        IReadOnlyList<string> DependsOn,
        IReadOnlyList<string> Tags,
        string? UserName,
        string? PasswordVariable,
        string? CaCertificatePath,
        int? TimeoutSec,
        string? Container = null)
    {
        public override string ToString() => $"{Name} ({Kind})";
    }
}
