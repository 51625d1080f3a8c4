using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace OpsRunbook.Engine.Health
{
    /// <summary>
    /// The JSON a service returns from its health endpoint: the seeds' shape
    /// <c>{"status":"ready","checks":{"postgresql":{"status":"ok","latency_ms":1.5}},"version":"1.0.0"}</c>,
    /// ASP.NET Core HealthChecks <c>{"status":"Healthy","entries":{...}}</c> and Spring Boot
    /// <c>{"status":"UP","components":{...}}</c>.
    /// </summary>
    internal sealed class ReadinessDocument
    {
        private static readonly string[] ComponentSections = { "checks", "entries", "components" };
        private static readonly string[] LatencyFields = { "latency_ms", "latencyMs", "duration_ms", "durationMs", "responseTime", "response_time_ms" };
        private static readonly string[] ErrorFields = { "error", "message", "exception", "reason", "description", "output" };

        private ReadinessDocument(HealthStatus? status, string? reportedStatus, string? version, IReadOnlyList<HealthComponent> components)
        {
            Status = status;
            ReportedStatus = reportedStatus;
            Version = version;
            Components = components;
        }

        /// <summary>The overall status the document states, or null when it states none.</summary>
        public HealthStatus? Status { get; }

        public string? ReportedStatus { get; }

        public string? Version { get; }

        public IReadOnlyList<HealthComponent> Components { get; }

        /// <summary>Null when the body is not a JSON object (plain "OK", HTML, empty).</summary>
        public static ReadinessDocument? TryParse(string body)
        {
            if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{')
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(body, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
                var root = json.RootElement;
                var reported = StatusText(root);
                var version = Property(root, "version") is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;
                var components = new List<HealthComponent>();
                foreach (var section in ComponentSections)
                {
                    if (Property(root, section) is { ValueKind: JsonValueKind.Object } checks)
                    {
                        foreach (var check in checks.EnumerateObject())
                        {
                            components.AddRange(ReadComponent(check.Name, check.Value));
                        }
                    }
                }

                return new ReadinessDocument(reported is null ? null : StatusWords.Parse(reported), reported, version, components);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static IEnumerable<HealthComponent> ReadComponent(string name, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String:
                case JsonValueKind.True:
                case JsonValueKind.False:
                    var word = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                    yield return new HealthComponent(name, StatusWords.Parse(word), word, null, null);
                    break;
                case JsonValueKind.Array:
                    // The IETF health+json draft lists observations per check.
                    var items = value.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).ToList();
                    for (var i = 0; i < items.Count; i++)
                    {
                        yield return FromObject(items.Count == 1 ? name : $"{name}[{i}]", items[i]);
                    }

                    break;
                case JsonValueKind.Object:
                    yield return FromObject(name, value);
                    break;
            }
        }

        private static HealthComponent FromObject(string name, JsonElement value)
        {
            var reported = StatusText(value);
            var status = reported is null ? HealthStatus.Unhealthy : StatusWords.Parse(reported);
            var error = status == HealthStatus.Healthy ? null : FirstText(value, ErrorFields) ?? (reported is null ? "no status reported" : null);
            return new HealthComponent(name, status, reported, Latency(value), error);
        }

        private static string? StatusText(JsonElement element) => Property(element, "status") switch
        {
            { ValueKind: JsonValueKind.String } s => s.GetString(),
            { ValueKind: JsonValueKind.True } => "true",
            { ValueKind: JsonValueKind.False } => "false",
            _ => null,
        };

        private static double? Latency(JsonElement element)
        {
            foreach (var field in LatencyFields)
            {
                if (Property(element, field) is { ValueKind: JsonValueKind.Number } number)
                {
                    return number.GetDouble();
                }
            }

            // ASP.NET Core writes durations as TimeSpan text: "00:00:00.0051234".
            return Property(element, "duration") switch
            {
                { ValueKind: JsonValueKind.String } s when TimeSpan.TryParse(s.GetString(), CultureInfo.InvariantCulture, out var span) => span.TotalMilliseconds,
                { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
                _ => null,
            };
        }

        private static string? FirstText(JsonElement element, IEnumerable<string> fields)
        {
            foreach (var field in fields)
            {
                switch (Property(element, field))
                {
                    case { ValueKind: JsonValueKind.String } s when !string.IsNullOrWhiteSpace(s.GetString()):
                        return s.GetString();
                    case { ValueKind: JsonValueKind.Object } o when Property(o, "message") is { ValueKind: JsonValueKind.String } m:
                        return m.GetString();
                }
            }

            // Spring Boot puts the reason one level down: {"status":"DOWN","details":{"error":"..."}}.
            return Property(element, "details") is { ValueKind: JsonValueKind.Object } details ? FirstText(details, fields) : null;
        }

        private static JsonElement? Property(JsonElement element, string name)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                {
                    return property.Value;
                }
            }

            return null;
        }
    }
}
