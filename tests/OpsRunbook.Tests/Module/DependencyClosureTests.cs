using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using Xunit;

namespace OpsRunbook.Tests.Module
{
    /// <summary>
    /// PowerShell 7.4 runs on .NET 8, whose default load context cannot bind a framework assembly newer than
    /// its own. These tests read the built module's assemblies and hold their references against .NET 8's
    /// framework list (Microsoft.NETCore.App.Ref 8.0.x, data/FrameworkList.xml).
    /// </summary>
    public class DependencyClosureTests
    {
        // Provided by PowerShell itself, or by the module (the engine is resolved into the private context).
        private static readonly HashSet<string> HostProvided = new(StringComparer.OrdinalIgnoreCase)
        {
            "System.Management.Automation", "OpsRunbook.Model", "OpsRunbook.Engine",
        };

        [Fact]
        public void What_loads_in_the_default_context_references_only_NET_8_framework_versions()
        {
            var framework = Net8FrameworkList();
            var problems = new List<string>();
            foreach (var assembly in new[] { "OpsRunbook.dll", "OpsRunbook.Model.dll" })
            {
                foreach (var (name, version) in References(Path.Combine(TestBed.ModuleDirectory, assembly)))
                {
                    if (HostProvided.Contains(name))
                    {
                        continue;
                    }

                    if (!framework.TryGetValue(name, out var available))
                    {
                        problems.Add($"{assembly} references {name} {version}, which is not part of .NET 8 (it must live in deps/ behind the engine)");
                    }
                    else if (version > available)
                    {
                        problems.Add($"{assembly} references {name} {version}; .NET 8 has {available}");
                    }
                }
            }

            Assert.Empty(problems);
        }

        [Fact]
        public void Only_the_cmdlets_and_the_model_sit_where_PowerShell_loads_from()
        {
            var dlls = Directory.GetFiles(TestBed.ModuleDirectory, "*.dll").Select(Path.GetFileName).OrderBy(n => n).ToArray();
            Assert.Equal(new[] { "OpsRunbook.dll", "OpsRunbook.Model.dll" }, dlls);
        }

        [Fact]
        public void Every_reference_of_the_engine_closure_resolves_in_deps_or_in_NET_8()
        {
            var framework = Net8FrameworkList();
            var deps = Path.Combine(TestBed.ModuleDirectory, "deps");
            var shipped = Directory.GetFiles(deps, "*.dll").ToDictionary(
                f => Path.GetFileNameWithoutExtension(f), f => AssemblyVersion(f), StringComparer.OrdinalIgnoreCase);
            Assert.Contains("OpsRunbook.Engine", shipped.Keys);
            Assert.Contains("Npgsql", shipped.Keys);
            Assert.Contains("StackExchange.Redis", shipped.Keys);
            Assert.Contains("Docker.DotNet", shipped.Keys);

            var problems = new List<string>();
            foreach (var file in Directory.GetFiles(deps, "*.dll"))
            {
                foreach (var (name, version) in References(file))
                {
                    if (shipped.TryGetValue(name, out var inDeps))
                    {
                        if (version > inDeps)
                        {
                            problems.Add($"{Path.GetFileName(file)} references {name} {version}; deps/ has {inDeps}");
                        }
                    }
                    else if (name == "OpsRunbook.Model")
                    {
                        // Shared with the default context on purpose.
                    }
                    else if (!framework.TryGetValue(name, out var available))
                    {
                        problems.Add($"{Path.GetFileName(file)} references {name} {version}, found neither in deps/ nor in .NET 8");
                    }
                    else if (version > available)
                    {
                        problems.Add($"{Path.GetFileName(file)} references {name} {version}; .NET 8 has {available} and deps/ has none");
                    }
                }
            }

            Assert.Empty(problems);
        }

        [Fact]
        public void The_closure_carries_the_framework_assemblies_PowerShell_7_4_lacks()
        {
            // Npgsql 10 wants DiagnosticSource 9 and StackExchange.Redis wants Pipelines 10: .NET 8 has neither.
            var framework = Net8FrameworkList();
            var deps = Path.Combine(TestBed.ModuleDirectory, "deps");
            foreach (var name in new[] { "System.Diagnostics.DiagnosticSource", "System.IO.Pipelines" })
            {
                var path = Path.Combine(deps, name + ".dll");
                Assert.True(File.Exists(path), $"{name}.dll is missing from deps/");
                Assert.True(!framework.TryGetValue(name, out var available) || AssemblyVersion(path) > available,
                    $"{name} in deps/ is not newer than .NET 8's; the test's premise changed");
            }
        }

        private static IEnumerable<(string Name, Version Version)> References(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            var reader = pe.GetMetadataReader();
            return reader.AssemblyReferences
                .Select(h => reader.GetAssemblyReference(h))
                .Select(r => (reader.GetString(r.Name), r.Version))
                .ToList();
        }

        private static Version AssemblyVersion(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            return pe.GetMetadataReader().GetAssemblyDefinition().Version;
        }

        private static Dictionary<string, Version> Net8FrameworkList()
        {
            var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
                ? custom
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            var root = Path.Combine(packages, "microsoft.netcore.app.ref");
            var list = Directory.Exists(root)
                ? Directory.GetDirectories(root, "8.0.*").OrderByDescending(d => Version.Parse(Path.GetFileName(d))).Select(d => Path.Combine(d, "data", "FrameworkList.xml")).FirstOrDefault(File.Exists)
                : null;
            if (list is null)
            {
                throw new InvalidOperationException($"No Microsoft.NETCore.App.Ref 8.0.x under {root}: run dotnet restore tests/tools/tools.csproj (./test.sh does).");
            }

            return XDocument.Load(list).Root!.Elements("File")
                .Where(f => f.Attribute("AssemblyName") is not null && f.Attribute("AssemblyVersion") is not null)
                .ToDictionary(f => f.Attribute("AssemblyName")!.Value, f => Version.Parse(f.Attribute("AssemblyVersion")!.Value), StringComparer.OrdinalIgnoreCase);
        }
    }
}
