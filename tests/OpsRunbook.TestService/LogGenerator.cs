using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

/// <summary>
/// Writes a seed-004-style JSON-lines application log with counts known in advance: lines per level, per error
/// name and per event, slow requests, one trace to look for, malformed lines and planted secrets (with redacted
/// decoys beside them). The counts go to PATH.counts.json for the tests and the benchmark. Deterministic.
/// </summary>
internal static class LogGenerator
{
    private static readonly string[] ErrorNames = { "TimeoutError", "ProviderError", "ValidationError", "DatabaseError" };
    private static readonly string[] Routes = { "/analyze", "/recommend", "/portfolio", "/health/ready", "/quote" };
    private static readonly string[] Providers = { "anthropic", "openai", "market-data" };

    public static void Write(string path, int lines, int seed)
    {
        var random = new Random(seed);
        var counts = new Counts();
        var start = new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero);
        // Where the special lines go: spread through the file, so no search can stop early.
        var malformedAt = new SortedSet<int>(Enumerable.Range(1, 7).Select(k => k * lines / 8 + 3));
        var secretsAt = new SortedSet<int>(Enumerable.Range(1, 12).Select(k => k * lines / 13 + 5));
        var decoysAt = new SortedSet<int>(Enumerable.Range(1, 6).Select(k => k * lines / 7 + 11));
        var sampleTrace = "550e8400-e29b-41d4-a716-446655440000";
        var sampleTraceStart = lines / 2 + 17;
        counts.SampleTraceId = sampleTrace;
        var since = start.AddMilliseconds(50.0 * (lines - lines / 10) + 1);
        counts.SinceTime = since.ToString("o", CultureInfo.InvariantCulture);

        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\n" };
        var trace = Guid.Empty.ToString();
        var traceLeft = 0;
        var line = new StringBuilder(512);
        for (var n = 1; n <= lines; n++)
        {
            var time = start.AddMilliseconds(50.0 * (n - 1));
            var stamp = time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            if (time >= since)
            {
                counts.LinesSince++;
            }

            if (malformedAt.Contains(n))
            {
                // A line cut short by a crash, and stray plain text: never JSON. (Cut before it says ERROR or
                // request_completed, so the benchmark's grep | jq baselines never hand jq a broken line.)
                writer.WriteLine(n % 2 == 0 ? $"{{\"time\":\"{stamp}\",\"level\":\"INFO\",\"event\":\"request_compl" : "*** stack overflow; partial write ***");
                counts.Malformed++;
                counts.MalformedLines.Add(n);
                continue;
            }

            if (secretsAt.Contains(n))
            {
                var kind = counts.Secrets.Count % 6;
                var (text, secretKind) = kind switch
                {
                    0 => ($"\"event\":\"config_loaded\",\"msg\":\"provider configured\",\"api_key\":\"sk-live-{Hex(random, 24)}\"", "ApiKey"),
                    1 => ($"\"event\":\"login_attempt\",\"msg\":\"user signed in\",\"password\":\"hunter2-{Hex(random, 6)}\"", "Password"),
                    2 => ($"\"event\":\"outbound_call\",\"msg\":\"calling provider with Authorization: Bearer eyJ{Hex(random, 30)}\"", "BearerToken"),
                    3 => ($"\"event\":\"db_connect\",\"msg\":\"connecting\",\"db_url\":\"postgres://app:S3cr3t{Hex(random, 8)}@db.internal:5432/app\"", "ConnectionStringPassword"),
                    4 => ($"\"event\":\"oauth_refresh\",\"msg\":\"refreshed\",\"client_secret\":\"cs_{Hex(random, 20)}\"", "Secret"),
                    _ => ($"\"event\":\"webhook\",\"msg\":\"sent\",\"apiKey\":\"k-{Hex(random, 16)}\"", "ApiKey"),
                };
                writer.WriteLine($"{{\"time\":\"{stamp}\",\"level\":\"INFO\",{text},\"service\":\"agent-node\"}}");
                counts.Secrets.Add(new PlantedSecret(n, secretKind));
                counts.Add("info", null, null);
                continue;
            }

            if (decoysAt.Contains(n))
            {
                // Redacted already: no finding.
                var decoy = (n % 3) switch
                {
                    0 => "\"password\":\"[REDACTED]\",\"api_key\":\"***\"",
                    1 => "\"msg\":\"calling provider with Authorization: Bearer [REDACTED]\"",
                    _ => "\"db_url\":\"postgres://app:***@db.internal:5432/app\",\"client_secret\":\"<redacted>\"",
                };
                writer.WriteLine($"{{\"time\":\"{stamp}\",\"level\":\"INFO\",\"event\":\"config_loaded\",{decoy},\"service\":\"agent-node\"}}");
                counts.Add("info", null, "config_loaded");
                continue;
            }

            bool inSample = n >= sampleTraceStart && n < sampleTraceStart + 8;
            if (inSample)
            {
                trace = sampleTrace;
            }
            else if (traceLeft-- <= 0 || trace == sampleTrace)
            {
                trace = Uuid(random);
                traceLeft = random.Next(2, 8);
            }

            var roll = random.Next(100);
            // The sample trace: a request that fails three times before it completes slowly.
            if (inSample)
            {
                roll = (n - sampleTraceStart) switch { 1 or 3 or 5 => 0, 7 => 50, _ => 90 };
            }

            line.Clear();
            line.Append("{\"time\":\"").Append(stamp).Append("\",");
            var route = Routes[random.Next(Routes.Length)];
            var user = random.Next(1, 5000);
            if (roll < 5)
            {
                var error = ErrorNames[inSample ? 0 : random.Next(ErrorNames.Length)];
                line.Append("\"level\":\"ERROR\",\"event\":\"request_failed\",\"msg\":\"request failed\",\"traceId\":\"").Append(trace)
                    .Append("\",\"route\":\"").Append(route).Append("\",\"status\":").Append(error == "ValidationError" ? 400 : 500)
                    .Append(",\"error\":{\"name\":\"").Append(error).Append("\",\"message\":\"").Append(error).Append(" while handling the request\"}");
                counts.Add("error", error, "request_failed");
                counts.CountTrace(trace, "error");
            }
            else if (roll < 12)
            {
                line.Append("\"level\":\"WARN\",\"event\":\"provider_slow\",\"msg\":\"provider answered slowly\",\"traceId\":\"").Append(trace)
                    .Append("\",\"provider\":\"").Append(Providers[random.Next(Providers.Length)]).Append("\",\"latency_ms\":").Append(random.Next(2000, 9000));
                counts.Add("warn", null, "provider_slow");
                counts.CountTrace(trace, "warn");
            }
            else if (roll < 20)
            {
                line.Append("\"level\":\"DEBUG\",\"event\":\"cache_lookup\",\"msg\":\"cache lookup\",\"traceId\":\"").Append(trace)
                    .Append("\",\"cache\":\"portfolio:").Append(user).Append("\",\"hit\":").Append(random.Next(10) < 8 ? "true" : "false");
                counts.Add("debug", null, "cache_lookup");
                counts.CountTrace(trace, "debug");
            }
            else
            {
                var slow = random.Next(100) < 10;
                var duration = slow ? random.Next(1001, 15000) : random.Next(5, 1001);
                if (inSample && roll == 50)
                {
                    duration = 12040;
                }

                line.Append("\"level\":\"INFO\",\"event\":\"request_completed\",\"msg\":\"request completed\",\"traceId\":\"").Append(trace)
                    .Append("\",\"route\":\"").Append(route).Append("\",\"status\":200,\"duration\":").Append(duration);
                counts.Add("info", null, "request_completed");
                counts.CountTrace(trace, "info");
                if (duration > 1000)
                {
                    counts.SlowRequests++;
                }
            }

            line.Append(",\"userId\":\"u-").Append(user).Append("\",\"service\":\"agent-node\",\"host\":\"node-").Append(1 + (n % 3))
                .Append("\",\"version\":\"1.4.2\",\"client\":\"portfolio-web/3.2\"}");
            writer.Write(line);
            writer.Write('\n');
        }

        writer.Flush();
        counts.Lines = lines;
        counts.Bytes = writer.BaseStream.Length;
        File.WriteAllText(path + ".counts.json", JsonSerializer.Serialize(counts.ToJson(), new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string Uuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes).ToString();
    }

    private static string Hex(Random random, int length)
    {
        var bytes = new byte[(length + 1) / 2];
        random.NextBytes(bytes);
        return Convert.ToHexString(bytes).ToLowerInvariant()[..length];
    }

    private sealed record PlantedSecret(int Line, string Kind);

    private sealed class Counts
    {
        private readonly Dictionary<string, Dictionary<string, int>> _traces = new();

        public int Lines { get; set; }

        public long Bytes { get; set; }

        public Dictionary<string, int> Levels { get; } = new();

        public Dictionary<string, int> ErrorNames { get; } = new();

        public Dictionary<string, int> Events { get; } = new();

        public int SlowRequests { get; set; }

        public int Malformed { get; set; }

        public List<int> MalformedLines { get; } = new();

        public List<PlantedSecret> Secrets { get; } = new();

        public string SampleTraceId { get; set; } = string.Empty;

        public string SinceTime { get; set; } = string.Empty;

        public int LinesSince { get; set; }

        public void Add(string level, string? errorName, string? eventName)
        {
            Levels[level] = Levels.GetValueOrDefault(level) + 1;
            if (errorName is not null)
            {
                ErrorNames[errorName] = ErrorNames.GetValueOrDefault(errorName) + 1;
            }

            if (eventName is not null)
            {
                Events[eventName] = Events.GetValueOrDefault(eventName) + 1;
            }
        }

        public void CountTrace(string trace, string level)
        {
            if (trace != SampleTraceId)
            {
                return;
            }

            if (!_traces.TryGetValue(trace, out var levels))
            {
                _traces[trace] = levels = new Dictionary<string, int>();
            }

            levels[level] = levels.GetValueOrDefault(level) + 1;
        }

        public object ToJson() => new
        {
            lines = Lines,
            bytes = Bytes,
            levels = Levels,
            errorNames = ErrorNames,
            events = Events,
            slowRequests = SlowRequests,
            malformed = Malformed,
            malformedLines = MalformedLines,
            secrets = Secrets.Select(s => new { line = s.Line, kind = s.Kind }),
            sampleTraceId = SampleTraceId,
            sampleTraceLines = _traces.GetValueOrDefault(SampleTraceId)?.Values.Sum() ?? 0,
            sampleTraceErrors = _traces.GetValueOrDefault(SampleTraceId)?.GetValueOrDefault("error") ?? 0,
            sinceTime = SinceTime,
            linesSince = LinesSince,
        };
    }
}
