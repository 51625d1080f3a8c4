using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Inventory;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// A Redis deployment a cmdlet works on: from a connection string (or REDIS_URL), or a Redis service of an
    /// inventory, which may also name the container that runs it and that container's Docker daemon.
    /// </summary>
    public sealed record RedisTarget(string Name, RedisConnectionInfo Connection, string? Container = null, string? DockerHost = null)
    {
        public override string ToString() => $"{Name} ({Connection.DisplayTarget})";

        /// <summary>A connection string, URL or configuration string; null or empty for REDIS_URL.</summary>
        public static RedisTarget FromConnectionString(string? connectionString, NetworkCredential? credential, Func<string, string?> environment)
        {
            var connection = RedisConnectionInfo.Parse(connectionString, credential, environment);
            return new RedisTarget(connection.DefaultName, connection);
        }

        /// <summary>
        /// The Redis services of an inventory whose names match (all of them when no name is given). A name given
        /// without wildcards must be a Redis service of the file.
        /// </summary>
        public static IReadOnlyList<RedisTarget> FromInventory(StackInventory inventory, IReadOnlyCollection<string> names, NetworkCredential? credential,
            Func<string, string?> environment)
        {
            var selected = inventory.Select(names, null);
            foreach (var literal in names.Where(n => !NamePattern.HasWildcards(n)))
            {
                var service = selected.First(s => s.Name.Equals(literal, StringComparison.OrdinalIgnoreCase));
                if (service.Kind != ServiceKind.Redis)
                {
                    throw new OpsRunbookException("ServiceNotRedis", FailureCategory.InvalidArgument,
                        $"The service '{service.Name}' in '{inventory.Path}' is of kind {service.Kind}, not Redis.", service.Name,
                        $"Name a Redis service of the inventory: {RedisNames(inventory)}.");
                }
            }

            var redis = selected.Where(s => s.Kind == ServiceKind.Redis).ToList();
            if (redis.Count == 0)
            {
                throw new OpsRunbookException("RedisServiceNotFound", FailureCategory.ObjectNotFound,
                    names.Count == 0
                        ? $"The inventory '{inventory.Path}' has no Redis service."
                        : $"No Redis service of the inventory '{inventory.Path}' matches {string.Join(", ", names.Select(n => $"'{n}'"))}.",
                    inventory.Path, "Add a service with Kind = 'Redis', or give -ConnectionString.");
            }

            return redis.Select(service =>
            {
                try
                {
                    var connection = RedisConnectionInfo.Parse(service.Target, inventory.CredentialFor(service, credential, environment), environment);
                    return new RedisTarget(service.Name, connection, service.Container, inventory.DockerHost);
                }
                catch (OpsRunbookException ex)
                {
                    throw new OpsRunbookException(ex.ErrorId, ex.Category, $"Service '{service.Name}' in '{inventory.Path}': {ex.Message}", service.Name,
                        ex.RecommendedAction, ex);
                }
            }).ToList();
        }

        private static string RedisNames(StackInventory inventory)
        {
            var names = inventory.Services.Where(s => s.Kind == ServiceKind.Redis).Select(s => s.Name).ToList();
            return names.Count == 0 ? "it has none" : string.Join(", ", names);
        }
    }
}
