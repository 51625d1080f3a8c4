using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

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
    }
}
