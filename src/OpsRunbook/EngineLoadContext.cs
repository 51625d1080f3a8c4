using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace OpsRunbook
{
    /// <summary>
    /// The module's private load context. PowerShell 7.4 runs on .NET 8, whose default context cannot bind
    /// the newer framework assemblies Npgsql and StackExchange.Redis reference (DiagnosticSource 9,
    /// Pipelines 10); here they load from deps/ beside the engine, whatever the session already has.
    /// OpsRunbook.Model is not taken: it stays in the default context so scripts can name its types.
    /// </summary>
    internal sealed class EngineLoadContext : AssemblyLoadContext
    {
        private const string EngineName = "OpsRunbook.Engine";
        private const string ModelName = "OpsRunbook.Model";

        private static readonly string DependencyFolder =
            Path.Combine(Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)!, "deps");

        private static readonly Lazy<EngineLoadContext> Instance = new(() => new EngineLoadContext());

        private EngineLoadContext()
            : base("OpsRunbook", isCollectible: false)
        {
        }

        /// <summary>The default context's Resolving handler: answers for the engine only.</summary>
        public static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
            name.Name == EngineName ? Instance.Value.LoadFromAssemblyName(name) : null;

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is null || name.Name == ModelName)
            {
                return null;
            }

            var path = Path.Combine(DependencyFolder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
