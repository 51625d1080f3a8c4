using System.Management.Automation;
using System.Runtime.Loader;

namespace OpsRunbook
{
    /// <summary>
    /// Hooks the engine's load context in on import and out on removal. Until a cmdlet first calls the
    /// engine, none of its dependencies load.
    /// </summary>
    public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
    {
        public void OnImport() => AssemblyLoadContext.Default.Resolving += EngineLoadContext.ResolveEngine;

        public void OnRemove(PSModuleInfo psModuleInfo) => AssemblyLoadContext.Default.Resolving -= EngineLoadContext.ResolveEngine;
    }
}
