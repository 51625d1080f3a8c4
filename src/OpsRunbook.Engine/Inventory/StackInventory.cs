using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
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
        /// Probe targets for the given services. The password comes from the credential when one is
        /// given, else from the service's PasswordVariable.
        /// </summary>
        public ProbeTarget ToProbeTarget(InventoryService service, NetworkCredential? credential, Func<string, string?> environment,
            string? dockerHost = null, TimeSpan? restartWindow = null)
        {
            if (credential is null && service.PasswordVariable is string variable)
            {
                var password = environment(variable);
                if (password is null)
                {
                    throw new OpsRunbookException("SecretVariableNotSet", FailureCategory.InvalidArgument,
                        $"The service '{service.Name}' in '{Path}' takes its password from the environment variable '{variable}', which is not set.",
                        service.Name, $"Set {variable} before running, or pass -Credential.");
                }

                credential = new NetworkCredential(service.UserName ?? string.Empty, password);
            }
            else if (credential is null && service.UserName is not null)
            {
                credential = new NetworkCredential(service.UserName, (string?)null);
            }

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
                }, environment);
            }
            catch (OpsRunbookException ex)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"Service '{service.Name}' in '{Path}': {ex.Message}", service.Name, ex.RecommendedAction, ex);
            }
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
