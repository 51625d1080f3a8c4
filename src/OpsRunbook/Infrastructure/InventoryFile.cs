using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using OpsRunbook.Engine.Stacks;

namespace OpsRunbook.Infrastructure
{
    /// <summary>
    /// Opens an inventory file. A .psd1 is read with PowerShell's own data-file parser (constants only, as
    /// Import-PowerShellDataFile); a .json goes straight to the engine. Both end in the engine's validation.
    /// </summary>
    internal static class InventoryFile
    {
        public static StackInventory Load(string path, Func<string, string?> environment)
        {
            if (!File.Exists(path))
            {
                throw new OpsRunbookException(StackErrors.InventoryNotFound, FailureCategory.ObjectNotFound,
                    $"The inventory file '{path}' does not exist.", path, "Give the path of a .psd1 or .json inventory file.");
            }

            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".psd1" => InventoryReader.Read(ReadDataFile(path), path, environment),
                ".json" => InventoryReader.ReadJson(File.ReadAllText(path), path, environment),
                var other => throw new OpsRunbookException(StackErrors.InventoryFormatUnsupported, FailureCategory.InvalidArgument,
                    $"The inventory file '{path}' has the extension '{other}'; inventories are .psd1 or .json files.", path,
                    "Save the inventory as a .psd1 (PowerShell data) or .json file."),
            };
        }

        private static object? ReadDataFile(string path)
        {
            var ast = Parser.ParseFile(path, out _, out var errors);
            if (errors.Length > 0)
            {
                var first = errors[0];
                throw new OpsRunbookException(StackErrors.InventoryParseFailed, FailureCategory.ParserError,
                    $"The inventory '{path}' cannot be parsed at line {first.Extent.StartLineNumber}, column {first.Extent.StartColumnNumber}: {first.Message}",
                    path, "Fix the PowerShell data syntax at that place.");
            }

            var table = ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false) as HashtableAst
                ?? throw new OpsRunbookException(StackErrors.InventoryParseFailed, FailureCategory.ParserError,
                    $"The inventory '{path}' holds no @{{ ... }} table.", path, "Write the inventory as one table: @{ Services = @( @{ Name = ...; Kind = ...; Target = ... } ) }.");
            try
            {
                return table.SafeGetValue();
            }
            catch (InvalidOperationException ex)
            {
                throw new OpsRunbookException(StackErrors.InventoryParseFailed, FailureCategory.ParserError,
                    $"The inventory '{path}' holds an expression that is not a constant: {ex.Message}",
                    path, "Use constant values only; write environment references as '${env:NAME}' inside single-quoted strings.", ex);
            }
        }
    }
}
