using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace OpsRunbook.Tests.Module
{
    /// <summary>
    /// The engine's areas (its top folders) depend on each other one way only: read from the source, every
    /// <c>using OpsRunbook.Engine.X</c> and every <c>OpsRunbook.Engine.X.</c> written out in full.
    /// </summary>
    public class EngineAreaTests
    {
        // Lower layers are what the higher ones stand on; an area uses only areas of lower layers. Health, Database,
        // Redis and Observability are leaves side by side: the stack and the runners use them, never they each other.
        private static readonly string[][] Layers =
        {
            new[] { "Common" },
            new[] { "Connections" },
            new[] { "Containers" },
            new[] { "Health", "Database", "Redis", "Observability" },
            new[] { "Stacks" },
            new[] { "Rollback", "Incidents" },
        };

        private static readonly Regex Reference = new(@"\bOpsRunbook\.Engine\.([A-Z][A-Za-z]+)\b", RegexOptions.Compiled);

        private static string EngineFolder =>
            Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(TestBed.ModuleDirectory))!, "src", "OpsRunbook.Engine");

        /// <summary>Area to the areas it uses, each with the files that use it.</summary>
        private static Dictionary<string, Dictionary<string, List<string>>> Graph()
        {
            var graph = new Dictionary<string, Dictionary<string, List<string>>>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(EngineFolder, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(EngineFolder, file);
                var parts = relative.Split(Path.DirectorySeparatorChar);
                if (parts.Length < 2 || parts[0] is "bin" or "obj")
                {
                    continue;
                }

                var area = parts[0];
                var uses = graph.TryGetValue(area, out var found) ? found : graph[area] = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var line in File.ReadLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)))
                {
                    foreach (Match match in Reference.Matches(line))
                    {
                        var used = match.Groups[1].Value;
                        if (used != area && !line.TrimStart().StartsWith("namespace ", StringComparison.Ordinal))
                        {
                            (uses.TryGetValue(used, out var files) ? files : uses[used] = new List<string>()).Add(relative);
                        }
                    }
                }
            }

            return graph;
        }

        [Fact]
        public void Every_file_is_in_the_namespace_of_its_folder()
        {
            var wrong = Directory.EnumerateFiles(EngineFolder, "*.cs", SearchOption.AllDirectories)
                .Select(f => (File: Path.GetRelativePath(EngineFolder, f), Text: File.ReadAllText(f)))
                .Where(f => !f.File.StartsWith("bin", StringComparison.Ordinal) && !f.File.StartsWith("obj", StringComparison.Ordinal) && f.File.Contains(Path.DirectorySeparatorChar))
                .Where(f => !Regex.IsMatch(f.Text, $@"namespace OpsRunbook\.Engine\.{Regex.Escape(f.File.Split(Path.DirectorySeparatorChar)[0])}\b"))
                .Select(f => f.File)
                .ToList();

            Assert.True(wrong.Count == 0, $"In another area's namespace than their folder's: {string.Join(", ", wrong)}");
        }

        [Fact]
        public void The_areas_depend_on_each_other_without_a_cycle()
        {
            var graph = Graph();
            var state = new Dictionary<string, int>(StringComparer.Ordinal);
            var path = new List<string>();

            string? Visit(string area)
            {
                state[area] = 1;
                path.Add(area);
                foreach (var used in graph.TryGetValue(area, out var uses) ? uses.Keys : Enumerable.Empty<string>())
                {
                    if (state.GetValueOrDefault(used) == 1)
                    {
                        var cycle = path.Skip(path.IndexOf(used)).Append(used).ToList();
                        return string.Join(" -> ", cycle) + ": " + string.Join("; ",
                            cycle.Zip(cycle.Skip(1), (from, to) => $"{from} -> {to} in {string.Join(", ", graph[from][to].Distinct())}"));
                    }

                    if (state.GetValueOrDefault(used) == 0 && Visit(used) is string found)
                    {
                        return found;
                    }
                }

                path.RemoveAt(path.Count - 1);
                state[area] = 2;
                return null;
            }

            foreach (var area in graph.Keys.OrderBy(a => a, StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(area) == 0 && Visit(area) is string cycle)
                {
                    Assert.Fail($"The engine's areas depend on each other in a circle: {cycle}");
                }
            }
        }

        [Fact]
        public void Each_area_uses_only_areas_below_it()
        {
            var graph = Graph();
            var layer = Layers.SelectMany((areas, i) => areas.Select(a => (a, i))).ToDictionary(x => x.a, x => x.i, StringComparer.Ordinal);
            Assert.True(graph.Keys.All(layer.ContainsKey), $"An area without a layer: {string.Join(", ", graph.Keys.Where(a => !layer.ContainsKey(a)))}");

            var upward = graph.SelectMany(g => g.Value.Keys.Where(used => !layer.ContainsKey(used) || layer[used] >= layer[g.Key])
                    .Select(used => $"{g.Key} -> {used} ({string.Join(", ", g.Value[used].Distinct())})"))
                .ToList();

            Assert.True(upward.Count == 0, $"Areas using an area of their own layer or above: {string.Join("; ", upward)}");
        }
    }
}
