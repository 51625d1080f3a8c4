using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Stacks
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
                        throw new OpsRunbookException(StackErrors.ServiceNotFound, FailureCategory.ObjectNotFound,
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
