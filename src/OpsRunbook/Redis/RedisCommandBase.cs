using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Redis;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Redis
{
    /// <summary>
    /// How the Redis cmdlets say which Redis: connection strings (host:port, redis://, rediss://, configuration
    /// strings; REDIS_URL when none is given), or Redis services of an inventory file; with a credential and a
    /// timeout for every network call.
    /// </summary>
    public abstract class RedisCommandBase : OpsRunbookCmdlet
    {
        protected const string ConnectionStringSet = "ConnectionString";
        protected const string InventorySet = "Inventory";

        /// <summary>host:port, redis://[user:password@]host:port[/db], rediss://..., or "host:port,password=...". Default: REDIS_URL.</summary>
        [Parameter(ParameterSetName = ConnectionStringSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] ConnectionString { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>With -Inventory: the Redis services (wildcards allowed); all of them by default.</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = Array.Empty<string>();

        /// <summary>Password, and ACL user name unless it is "default"; overrides those of the connection string and the inventory.</summary>
        [Parameter]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>The bound of the connect and of each command, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 10;

        internal TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSec);

        /// <summary>
        /// The targets this record names. A connection string that cannot be read is a non-terminating error and the
        /// others go on; an inventory that cannot be used, or no connection at all, ends the command.
        /// </summary>
        internal IReadOnlyList<RedisTarget> ResolveTargets()
        {
            var credential = Credential?.GetNetworkCredential();
            if (credential is not null && string.Equals(credential.UserName, "default", StringComparison.Ordinal))
            {
                // Redis's own name for the user without a name: AUTH password alone.
                credential.UserName = string.Empty;
            }

            var targets = new List<RedisTarget>();
            if (ParameterSetName == InventorySet)
            {
                try
                {
                    var stack = new ServiceStack(InventoryFile.Load(FileSystemPath(Inventory!), Environment), Environment, credential);
                    targets.AddRange(stack.Redis(Name));
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }

                return targets;
            }

            if (ConnectionString.Length == 0)
            {
                try
                {
                    targets.Add(RedisTarget.FromConnectionString(null, credential, Environment));
                }
                catch (OpsRunbookException ex)
                {
                    ThrowFailure(ex);
                }

                return targets;
            }

            foreach (var text in ConnectionString)
            {
                try
                {
                    targets.Add(RedisTarget.FromConnectionString(text, credential, Environment));
                }
                catch (OpsRunbookException ex)
                {
                    WriteFailure(ex);
                }
            }

            return targets;
        }

        /// <summary>
        /// Connects to a target and runs the work with the session; a failure (cannot connect, wrong password, a
        /// command refused) is one non-terminating error for that target, and the next target goes on.
        /// </summary>
        internal void RunWithSession(RedisTarget target, Func<RedisSession, IOperationReporter, PipelinePump, CancellationToken, Task> work)
        {
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                try
                {
                    using var session = await RedisSession.OpenAsync(target.Connection, Timeout, reporter, cancellationToken).ConfigureAwait(false);
                    await work(session, reporter, pump, cancellationToken).ConfigureAwait(false);
                }
                catch (OpsRunbookException ex)
                {
                    pump.Post(() => WriteFailure(ex));
                }
            });
        }
    }
}
