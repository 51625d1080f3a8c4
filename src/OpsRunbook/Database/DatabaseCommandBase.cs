using System;
using System.Management.Automation;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Database;
using OpsRunbook.Engine.Stacks;
using OpsRunbook.Infrastructure;

namespace OpsRunbook.Database
{
    /// <summary>
    /// How the database cmdlets reach PostgreSQL: a postgres:// URI or Npgsql string with the PG* variables
    /// filling what it leaves out, or a Postgres service of an inventory file; -Credential over either; a
    /// timeout for connecting and for each query.
    /// </summary>
    public abstract class DatabaseCommandBase : OpsRunbookCmdlet
    {
        protected const string ConnectionStringSet = "ConnectionString";
        protected const string InventorySet = "Inventory";

        /// <summary>A postgres:// URI or Npgsql key=value string; without it, the PG* variables alone.</summary>
        [Parameter(ParameterSetName = ConnectionStringSet)]
        [ValidateNotNullOrEmpty]
        public string? ConnectionString { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = InventorySet)]
        [ValidateNotNullOrEmpty]
        public string? Inventory { get; set; }

        /// <summary>The Postgres service of the inventory; may be left out when it has only one.</summary>
        [Parameter(ParameterSetName = InventorySet)]
        [ArgumentCompleter(typeof(ServiceNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = ConnectionStringSet)]
        [Parameter(ParameterSetName = InventorySet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>Seconds to connect, and for each query (the maintenance statements themselves run until done).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 15;

        /// <summary>
        /// The connection the parameters describe. Bad input ends the command: nothing can proceed without a server.
        /// </summary>
        internal DatabaseConnector Connector()
        {
            try
            {
                var credential = Credential?.GetNetworkCredential();
                var connection = ParameterSetName == InventorySet
                    ? new ServiceStack(InventoryFile.Load(FileSystemPath(Inventory!), Environment), Environment, credential).Postgres(Name)
                    : PostgresConnectionInfo.Parse(ConnectionString, credential, Environment);
                return new DatabaseConnector(connection, TimeSpan.FromSeconds(TimeoutSec));
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
                throw; // not reached: ThrowFailure throws
            }
        }
    }
}
