using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests.Module
{
    /// <summary>
    /// Every error id is a constant of its area's catalogue (HealthErrors, DatabaseErrors, ...), every constant is
    /// raised somewhere, and about_OpsRunbook_Errors describes exactly those ids.
    /// </summary>
    public class ErrorCatalogueTests
    {
        private static readonly Regex IdShape = new(
            @"^[A-Z][a-z]+[A-Za-z]*(Failed|NotFound|Invalid|Required|Missing|Exists|Unreadable|Unwritable|Timeout|InProgress|Denied|Corrupt|Incomplete|Unavailable|Unreachable|Mismatch|Busy|Ambiguous|Unsupported)$",
            RegexOptions.Compiled);

        private static string Repository => Path.GetDirectoryName(Path.GetDirectoryName(TestBed.ModuleDirectory))!;

        private static readonly Lazy<Dictionary<string, string>> Catalogue = new(() =>
            typeof(HealthErrors).Assembly.GetTypes()
                .Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Errors", StringComparison.Ordinal) && t.Namespace!.StartsWith("OpsRunbook.Engine.", StringComparison.Ordinal))
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (Id: (string)f.GetRawConstantValue()!, Field: f)))
                .ToDictionary(x => x.Id, x => $"{x.Field.DeclaringType!.Name}.{x.Field.Name}"));

        private static IEnumerable<(string File, string[] Lines)> SourceFiles() =>
            Directory.EnumerateFiles(Path.Combine(Repository, "src"), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !Regex.IsMatch(Path.GetFileName(f), @"^[A-Z][A-Za-z]*Errors\.cs$"))
                .Select(f => (Path.GetRelativePath(Repository, f), File.ReadAllLines(f).Select(l => l.TrimStart().StartsWith("//", StringComparison.Ordinal) ? string.Empty : l).ToArray()));

        [Fact]
        public void Each_constant_is_its_own_name_and_in_one_catalogue_only()
        {
            Assert.NotEmpty(Catalogue.Value);
            Assert.All(Catalogue.Value, entry => Assert.EndsWith("." + entry.Key, entry.Value));
        }

        [Fact]
        public void No_error_id_is_written_as_a_string_outside_its_catalogue()
        {
            var raw = new List<string>();
            foreach (var (file, lines) in SourceFiles())
            {
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i];
                    // A catalogued id written out, or a string shaped like an id (RedisTimeout, BackupNotFound) that is not in one.
                    var literals = Regex.Matches(line, @"(?<![\\$@])""([A-Z][A-Za-z]+)""").Select(m => m.Groups[1].Value)
                        .Where(text => Catalogue.Value.ContainsKey(text) || IdShape.IsMatch(text));
                    var unlisted = Regex.IsMatch(line, @"(new OpsRunbookException|Failures\.Invalid\w+)\(\s*""|""[A-Z][A-Za-z]+"",\s*FailureCategory\.");
                    if (literals.Any() || unlisted)
                    {
                        raw.Add($"{file}:{i + 1}");
                    }
                }
            }

            Assert.True(raw.Count == 0, $"Error ids written as strings (use the area's catalogue, adding the id there and to about_OpsRunbook_Errors): {string.Join(", ", raw)}");
        }

        [Fact]
        public void Every_id_of_the_catalogue_is_raised_somewhere()
        {
            var source = string.Join("\n", SourceFiles().SelectMany(f => f.Lines));
            var unused = Catalogue.Value.Values.Where(reference => !Regex.IsMatch(source, $@"\b{Regex.Escape(reference)}\b")).ToList();

            Assert.True(unused.Count == 0, $"Catalogued but never raised: {string.Join(", ", unused)}");
        }

        [Fact]
        public void The_help_topic_describes_exactly_the_ids_of_the_catalogue()
        {
            var text = File.ReadAllText(Path.Combine(Repository, "docs", "about_OpsRunbook_Errors.md"));
            var entries = Regex.Matches(text, @"^    ([A-Z][A-Za-z]+) \(([A-Za-z, ]+)\)\n        (\S.*)\n        To do: (\S.*)$", RegexOptions.Multiline)
                .Select(m => m.Groups[1].Value).ToList();

            Assert.Equal(entries.Distinct().Count(), entries.Count);
            Assert.Equal(Catalogue.Value.Keys.OrderBy(k => k, StringComparer.Ordinal), entries.OrderBy(k => k, StringComparer.Ordinal));
        }
    }
}
