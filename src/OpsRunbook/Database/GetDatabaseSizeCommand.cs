using System;
using System.Management.Automation;
using System.Threading.Tasks;
using OpsRunbook.Engine.Database;

namespace OpsRunbook.Database
{
    /// <summary>Writes the sizes of databases or, with -Table, of their tables, largest first.</summary>
    [Cmdlet(VerbsCommon.Get, "DatabaseSize", DefaultParameterSetName = ConnectionStringSet)]
    [OutputType(typeof(DatabaseSize), typeof(TableSize))]
    public sealed class GetDatabaseSizeCommand : DatabaseCommandBase
    {
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Database { get; set; } = Array.Empty<string>();

        /// <summary>Sizes per table instead of per database.</summary>
        [Parameter]
        public SwitchParameter Table { get; set; }

        /// <summary>Tables to show, by name or schema.name; implies -Table.</summary>
        [Parameter]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] TableName { get; set; } = Array.Empty<string>();

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Top { get; set; }

        protected override void ProcessRecord()
        {
            var reader = new DatabaseSizeReader(Connector());
            int? top = Top > 0 ? Top : null;
            RunEngine(async (reporter, pump, cancellationToken) =>
            {
                if (!Table.IsPresent && TableName.Length == 0)
                {
                    var databases = await reader.ReadDatabasesAsync(Database, top, reporter, cancellationToken).ConfigureAwait(false);
                    pump.Post(() => WriteObject(databases, enumerateCollection: true));
                    return;
                }

                await foreach (var outcome in reader.ReadTablesAsync(Database, TableName, top, reporter, cancellationToken).ConfigureAwait(false))
                {
                    pump.Post(() => WriteOutcome(outcome));
                }
            });
        }
    }
}
