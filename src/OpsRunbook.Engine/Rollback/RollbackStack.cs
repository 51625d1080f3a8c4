using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Engine.Redis;

namespace OpsRunbook.Engine.Rollback
{
    public sealed record RollbackDatabase(string Service, DatabaseConnector Connector);

    public sealed record RollbackContainer(string Service, string Container, ServiceKind Kind);

    /// <summary>
    /// What of an inventory a restore point captures and a rollback puts back: its PostgreSQL databases, its Redis
    /// servers, its configuration files and its container services. Passwords come from each service's PasswordVariable.
    /// </summary>
    public sealed class RollbackStack
    {
        public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(15);

        private RollbackStack(StackInventory inventory, IReadOnlyList<RollbackDatabase> databases, IReadOnlyList<RedisTarget> redis, IReadOnlyList<string> configuration,
            IReadOnlyList<RollbackContainer> containers)
        {
            Inventory = inventory;
            Databases = databases;
            Redis = redis;
            Configuration = configuration;
            Containers = containers;
        }

        public StackInventory Inventory { get; }

        public string Name => Inventory.Name ?? System.IO.Path.GetFileNameWithoutExtension(Inventory.Path);

        public IReadOnlyList<RollbackDatabase> Databases { get; }

        public IReadOnlyList<RedisTarget> Redis { get; }

        public IReadOnlyList<string> Configuration { get; }

        public IReadOnlyList<RollbackContainer> Containers { get; }

        /// <summary>The container services that are not data services: what is drained and stopped while the data is put back.</summary>
        public IReadOnlyList<RollbackContainer> ApplicationTier => Containers.Where(c => c.Kind is not (ServiceKind.Postgres or ServiceKind.Redis)).ToList();

        public static RollbackStack From(StackInventory inventory, TimeSpan timeout, Func<string, string?> environment)
        {
            var stack = new ServiceStack(inventory, environment);
            var databases = inventory.Services.Where(s => s.Kind == ServiceKind.Postgres)
                .Select(s => new RollbackDatabase(s.Name, new DatabaseConnector(stack.Postgres(s.Name), timeout)))
                .ToList();
            var redisNames = inventory.Services.Where(s => s.Kind == ServiceKind.Redis).Select(s => s.Name).ToList();
            var redis = redisNames.Count == 0 ? Array.Empty<RedisTarget>() : stack.Redis(redisNames);
            var containers = inventory.Services
                .Select(s => (Service: s, Container: s.Container ?? (s.Kind == ServiceKind.Container ? s.Target : null)))
                .Where(s => s.Container is not null)
                .Select(s => new RollbackContainer(s.Service.Name, s.Container!, s.Service.Kind))
                .ToList();
            return new RollbackStack(inventory, databases, redis, inventory.Configuration, containers);
        }

        /// <summary>
        /// Only the services and files that a rollback of these items replaces: what its safety point must hold, and no
        /// more (a DR test's safety point is of the scratch stack's databases, not of a stack it does not touch).
        /// </summary>
        public RollbackStack Replacing(IReadOnlyCollection<RollbackManifest.Item> items)
        {
            bool Has(RollbackComponent component, string service) =>
                items.Any(i => i.Component == component && i.Service.Equals(service, StringComparison.OrdinalIgnoreCase));
            return new RollbackStack(Inventory,
                Databases.Where(d => Has(RollbackComponent.Database, d.Service)).ToList(),
                Redis.Where(r => Has(RollbackComponent.Redis, r.Name)).ToList(),
                Configuration.Where(f => items.Any(i => i.Component == RollbackComponent.Config && string.Equals(i.Source, f, StringComparison.Ordinal))).ToList(),
                Containers.Where(c => Has(RollbackComponent.Image, c.Service)).ToList());
        }

        /// <summary>The components the inventory has something of.</summary>
        public IReadOnlyList<RollbackComponent> Components()
        {
            var components = new List<RollbackComponent>();
            if (Databases.Count > 0)
            {
                components.Add(RollbackComponent.Database);
            }

            if (Redis.Count > 0)
            {
                components.Add(RollbackComponent.Redis);
            }

            if (Configuration.Count > 0)
            {
                components.Add(RollbackComponent.Config);
            }

            if (Containers.Count > 0)
            {
                components.Add(RollbackComponent.Image);
            }

            return components;
        }
    }
}
