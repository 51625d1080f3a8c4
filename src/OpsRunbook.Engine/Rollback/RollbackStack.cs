using System;
using System.Collections.Generic;
using System.Linq;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Inventory;
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

        private RollbackStack(StackInventory inventory, IReadOnlyList<RollbackDatabase> databases, IReadOnlyList<RedisTarget> redis, IReadOnlyList<RollbackContainer> containers)
        {
            Inventory = inventory;
            Databases = databases;
            Redis = redis;
            Containers = containers;
        }

        public StackInventory Inventory { get; }

        public string Name => Inventory.Name ?? System.IO.Path.GetFileNameWithoutExtension(Inventory.Path);

        public IReadOnlyList<RollbackDatabase> Databases { get; }

        public IReadOnlyList<RedisTarget> Redis { get; }

        public IReadOnlyList<string> Configuration => Inventory.Configuration;

        public IReadOnlyList<RollbackContainer> Containers { get; }

        /// <summary>The container services that are not data services: what is drained and stopped while the data is put back.</summary>
        public IReadOnlyList<RollbackContainer> ApplicationTier => Containers.Where(c => c.Kind is not (ServiceKind.Postgres or ServiceKind.Redis)).ToList();

        public static RollbackStack From(StackInventory inventory, TimeSpan timeout, Func<string, string?> environment)
        {
            var databases = inventory.Services.Where(s => s.Kind == ServiceKind.Postgres)
                .Select(s => new RollbackDatabase(s.Name, new DatabaseConnector(inventory.ToPostgresConnection(s.Name, null, environment), timeout)))
                .ToList();
            var redisNames = inventory.Services.Where(s => s.Kind == ServiceKind.Redis).Select(s => s.Name).ToList();
            var redis = redisNames.Count == 0 ? Array.Empty<RedisTarget>() : RedisTarget.FromInventory(inventory, redisNames, null, environment);
            var containers = inventory.Services
                .Select(s => (Service: s, Container: s.Container ?? (s.Kind == ServiceKind.Container ? s.Target : null)))
                .Where(s => s.Container is not null)
                .Select(s => new RollbackContainer(s.Service.Name, s.Container!, s.Service.Kind))
                .ToList();
            return new RollbackStack(inventory, databases, redis, containers);
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
