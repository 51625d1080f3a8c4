using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Stacks
{
    /// <summary>
    /// Validates an inventory read from a .psd1 (by the cmdlets, with PowerShell's data-file parser) or
    /// a .json file (here): every error names the file, the service and the field.
    /// </summary>
    public static class InventoryReader
    {
        private static readonly string[] TopLevelFields = { "Name", "Services", "DockerHost", "Configuration" };
        private static readonly string[] ServiceFields =
        {
            "Name", "Kind", "Target", "DependsOn", "Tags", "UserName", "PasswordVariable", "CaCertificate", "TimeoutSec", "Container",
        };

        private static readonly Regex EnvironmentReference = new(@"\$\{env:(?<name>[A-Za-z_][A-Za-z0-9_]*)\}", RegexOptions.CultureInvariant);

        public static StackInventory ReadJson(string json, string path, Func<string, string?> environment)
        {
            object? root;
            try
            {
                using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                root = FromJson(document.RootElement);
            }
            catch (JsonException ex)
            {
                throw new OpsRunbookException(StackErrors.InventoryParseFailed, FailureCategory.ParserError,
                    $"The inventory '{path}' is not valid JSON at line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}: {ex.Message}",
                    path, "Fix the JSON syntax at that place.", ex);
            }

            return Read(root, path, environment);
        }

        /// <summary>Reads the parsed file: dictionaries, lists and scalars, as either parser yields them.</summary>
        public static StackInventory Read(object? root, string path, Func<string, string?> environment)
        {
            var top = root as IDictionary ?? throw Invalid(path, "the file must hold one table (@{ Services = @(...) } or {\"Services\": [...]})");
            CheckFields(top, TopLevelFields, path, "the top level");
            var name = Text(top, "Name", path, "the top level");
            if (!TryGet(top, "Services", out var servicesValue) || servicesValue is null)
            {
                throw Invalid(path, "it has no Services list");
            }

            var list = AsList(servicesValue);
            if (list.Count == 0)
            {
                throw Invalid(path, "Services is empty");
            }

            var services = new List<InventoryService>();
            for (var i = 0; i < list.Count; i++)
            {
                services.Add(ReadService(list[i], i, path, environment));
            }

            CheckNames(services, path);
            CheckDependencies(services, path);
            return new StackInventory(path, name, services, Text(top, "DockerHost", path, "the top level"))
            {
                Configuration = ConfigurationFiles(Strings(top, "Configuration", path, "the top level"), path),
            };
        }

        private static InventoryService ReadService(object? value, int index, string path, Func<string, string?> environment)
        {
            var where = $"Services[{index}]";
            var table = value as IDictionary ?? throw Invalid(path, $"{where} is not a table of fields");
            var name = Text(table, "Name", path, where) ?? throw Invalid(path, $"{where} has no Name");
            where = $"{where} ('{name}')";
            CheckFields(table, ServiceFields, path, where);

            var kindText = Text(table, "Kind", path, where) ?? throw Invalid(path, $"{where} has no Kind");
            if (!Enum.TryParse<ServiceKind>(kindText, ignoreCase: true, out var kind) || int.TryParse(kindText, out _))
            {
                throw new OpsRunbookException(StackErrors.UnknownServiceKind, FailureCategory.InvalidData,
                    $"The inventory '{path}': {where} has the Kind '{kindText}', which is not one of {string.Join(", ", Enum.GetNames<ServiceKind>())}.",
                    path, "Use one of the kinds listed.");
            }

            var target = Text(table, "Target", path, where) ?? throw Invalid(path, $"{where} has no Target");
            if (ConnectionStringText.SecretsIn(target).Any(secret => !EnvironmentReference.IsMatch(secret)))
            {
                throw new OpsRunbookException(StackErrors.InventorySecretInline, FailureCategory.SecurityError,
                    $"The inventory '{path}': {where} has a password written in its Target.",
                    path, "Remove the password from the file and name the environment variable that holds it: PasswordVariable = 'NAME', or ${env:NAME} inside the Target.");
            }

            var timeout = Integer(table, "TimeoutSec", path, where);
            if (timeout is < 1 or > 3600)
            {
                throw Invalid(path, $"{where} has TimeoutSec {timeout}; use 1 to 3600 seconds");
            }

            return new InventoryService(
                name,
                kind,
                Expand(target, path, where, environment),
                Strings(table, "DependsOn", path, where),
                Strings(table, "Tags", path, where),
                Text(table, "UserName", path, where),
                Text(table, "PasswordVariable", path, where),
                Text(table, "CaCertificate", path, where),
                timeout,
                Text(table, "Container", path, where));
        }

        // Relative to the inventory's folder, as compose resolves its env_file entries.
        private static IReadOnlyList<string> ConfigurationFiles(IReadOnlyList<string> files, string path)
        {
            var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? ".";
            var full = files.Select(f => System.IO.Path.GetFullPath(f, folder)).ToList();
            var duplicate = full.GroupBy(f => f, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw Invalid(path, $"Configuration lists '{duplicate.Key}' twice");
            }

            return full;
        }

        // A value put into a URI's user-info (postgres://app:${env:PW}@db) is percent-encoded there, so a password holding
        // '@', '/', '#' or '?' stays a password; anywhere else it goes in as it is (a whole ${env:DATABASE_URL} included).
        private static string Expand(string text, string path, string where, Func<string, string?> environment)
        {
            var scheme = text.IndexOf("://", StringComparison.Ordinal);
            var userInfoEnd = scheme < 0 ? -1 : text.IndexOf('@', scheme + 3);
            return EnvironmentReference.Replace(text, match =>
            {
                var variable = match.Groups["name"].Value;
                var value = environment(variable) ?? throw new OpsRunbookException(StackErrors.SecretVariableNotSet, FailureCategory.InvalidArgument,
                    $"The inventory '{path}': {where} refers to the environment variable '{variable}' in its Target, which is not set.",
                    path, $"Set {variable} before running.");
                return match.Index > scheme && match.Index < userInfoEnd ? Uri.EscapeDataString(value) : value;
            });
        }

        private static void CheckNames(IReadOnlyList<InventoryService> services, string path)
        {
            var duplicate = services.GroupBy(s => s.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw Invalid(path, $"the service name '{duplicate.Key}' is used {duplicate.Count()} times");
            }
        }

        private static void CheckDependencies(IReadOnlyList<InventoryService> services, string path)
        {
            var byName = services.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var service in services)
            {
                foreach (var dependency in service.DependsOn.Where(d => !byName.ContainsKey(d)))
                {
                    throw Invalid(path, $"service '{service.Name}' has DependsOn '{dependency}', which is not a service in this file");
                }
            }

            // Depth-first walk: a service met again while still on the path closes a cycle.
            var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            var trail = new List<string>();
            void Visit(InventoryService service)
            {
                state[service.Name] = 1;
                trail.Add(service.Name);
                foreach (var dependency in service.DependsOn)
                {
                    var next = byName[dependency];
                    if (state.GetValueOrDefault(next.Name) == 1)
                    {
                        var cycle = trail.Skip(trail.FindIndex(n => n.Equals(next.Name, StringComparison.OrdinalIgnoreCase))).Append(next.Name);
                        throw Invalid(path, $"DependsOn forms a cycle: {string.Join(" -> ", cycle)}");
                    }

                    if (state.GetValueOrDefault(next.Name) == 0)
                    {
                        Visit(next);
                    }
                }

                trail.RemoveAt(trail.Count - 1);
                state[service.Name] = 2;
            }

            foreach (var service in services.Where(s => state.GetValueOrDefault(s.Name) == 0))
            {
                Visit(service);
            }
        }

        private static void CheckFields(IDictionary table, IReadOnlyCollection<string> known, string path, string where)
        {
            foreach (var key in table.Keys.Cast<object>().Select(k => k.ToString() ?? string.Empty))
            {
                if (key.Equals("Password", StringComparison.OrdinalIgnoreCase))
                {
                    throw new OpsRunbookException(StackErrors.InventorySecretInline, FailureCategory.SecurityError,
                        $"The inventory '{path}': {where} has a Password field; passwords are never written in inventory files.",
                        path, "Remove it and set PasswordVariable to the name of the environment variable that holds the password.");
                }

                if (!known.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    throw Invalid(path, $"{where} has the unknown field '{key}'; the fields are {string.Join(", ", known)}");
                }
            }
        }

        private static bool TryGet(IDictionary table, string field, out object? value)
        {
            foreach (DictionaryEntry entry in table)
            {
                if (string.Equals(entry.Key?.ToString(), field, StringComparison.OrdinalIgnoreCase))
                {
                    value = entry.Value;
                    return true;
                }
            }

            value = null;
            return false;
        }

        private static string? Text(IDictionary table, string field, string path, string where)
        {
            if (!TryGet(table, field, out var value) || value is null)
            {
                return null;
            }

            return value is string text && text.Trim().Length > 0
                ? text.Trim()
                : throw Invalid(path, $"{where} has a {field} that is not a non-empty string");
        }

        private static int? Integer(IDictionary table, string field, string path, string where)
        {
            if (!TryGet(table, field, out var value) || value is null)
            {
                return null;
            }

            return value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw Invalid(path, $"{where} has a {field} that is not a whole number"),
            };
        }

        private static IReadOnlyList<string> Strings(IDictionary table, string field, string path, string where)
        {
            if (!TryGet(table, field, out var value) || value is null)
            {
                return Array.Empty<string>();
            }

            var items = AsList(value);
            return items.All(i => i is string s && s.Trim().Length > 0)
                ? items.Cast<string>().Select(s => s.Trim()).ToArray()
                : throw Invalid(path, $"{where} has a {field} that is not a list of names");
        }

        private static IReadOnlyList<object?> AsList(object value) =>
            value is string or IDictionary ? new[] { value } : value is IEnumerable items ? items.Cast<object?>().ToList() : new[] { value };

        private static object? FromJson(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Aggregate(
                new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase),
                (table, property) => { table[property.Name] = FromJson(property.Value); return table; }),
            JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.TryGetInt64(out var whole) ? (object)whole : element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };

        private static OpsRunbookException Invalid(string path, string problem) =>
            new(StackErrors.InventoryInvalid, FailureCategory.InvalidData, $"The inventory '{path}' is not valid: {problem}.", path,
                "Fix the file; Get-Help about_OpsRunbook describes the inventory format.");
    }
}
