using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Observability;
using Xunit;

namespace OpsRunbook.Tests.Observability
{
    /// <summary>The generated test log's known counts (written by the log generator beside the log).</summary>
    internal sealed class AppLogCounts
    {
        private AppLogCounts(JsonElement root)
        {
            Root = root;
        }

        public JsonElement Root { get; }

        public long Lines => Root.GetProperty("lines").GetInt64();

        public long Level(string level) => Root.GetProperty("levels").GetProperty(level).GetInt64();

        public IReadOnlyDictionary<string, long> ErrorNames => Root.GetProperty("errorNames").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());

        public long Event(string name) => Root.GetProperty("events").GetProperty(name).GetInt64();

        public long SlowRequests => Root.GetProperty("slowRequests").GetInt64();

        public long Malformed => Root.GetProperty("malformed").GetInt64();

        public IReadOnlyList<long> MalformedLines => Root.GetProperty("malformedLines").EnumerateArray().Select(e => e.GetInt64()).ToList();

        public IReadOnlyList<(long Line, string Kind)> Secrets =>
            Root.GetProperty("secrets").EnumerateArray().Select(e => (e.GetProperty("line").GetInt64(), e.GetProperty("kind").GetString()!)).ToList();

        public string SampleTraceId => Root.GetProperty("sampleTraceId").GetString()!;

        public long SampleTraceLines => Root.GetProperty("sampleTraceLines").GetInt64();

        public long SampleTraceErrors => Root.GetProperty("sampleTraceErrors").GetInt64();

        public DateTimeOffset SinceTime => DateTimeOffset.Parse(Root.GetProperty("sinceTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        public long LinesSince => Root.GetProperty("linesSince").GetInt64();

        public static AppLogCounts Load() => new(JsonDocument.Parse(File.ReadAllText(TestBed.AppLog + ".counts.json")).RootElement.Clone());
    }

    internal static class Observe
    {
        public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

        public static PrometheusClient Prometheus() => new(new Uri(TestBed.PrometheusUrl), TimeSpan.FromSeconds(20));

        /// <summary>A scenario name of this run: its traffic has a route of its own, apart from every other test's.</summary>
        public static string Scenario(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)];

        /// <summary>Drives traffic through the test service's driver; returns when it was all sent (or at once with background).</summary>
        public static async Task<JsonElement> TrafficAsync(string scenario, int requests, int errorsPer100, int slowPer100 = 0, int slowMs = 300,
            double perSecond = 0, int concurrency = 16, bool background = false, int cacheHitsPer100 = 0)
        {
            var uri = $"{TestBed.HttpUrl}/traffic/{scenario}?requests={requests}&errorsPer100={errorsPer100}&slowPer100={slowPer100}&slowMs={slowMs}" +
                $"&perSecond={perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)}&concurrency={concurrency}&cacheHitsPer100={cacheHitsPer100}&background={(background ? "true" : "false")}";
            using var response = await Http.PostAsync(uri, null);
            response.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        public static async Task<JsonElement> TrafficReportAsync(string scenario) =>
            JsonDocument.Parse(await Http.GetStringAsync($"{TestBed.HttpUrl}/traffic/{scenario}")).RootElement.Clone();

        public static async Task StopTrafficAsync(string scenario)
        {
            using var response = await Http.DeleteAsync($"{TestBed.HttpUrl}/traffic/{scenario}");
        }

        /// <summary>Polls until the condition holds, at most <paramref name="timeout"/>; bounded like every loop here.</summary>
        public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
        {
            var clock = Stopwatch.StartNew();
            T last;
            do
            {
                last = await read();
                if (done(last))
                {
                    return last;
                }

                await Task.Delay(500);
            }
            while (clock.Elapsed < timeout);
            Assert.Fail($"{what} did not happen within {timeout.TotalSeconds:0} s; last: {last}");
            return last;
        }

        /// <summary>Runs a command (curl, jq, grep) as an independent witness; returns its standard output.</summary>
        public static string Run(string file, params string[] arguments)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            Assert.True(process.WaitForExit(60_000), $"{file} did not finish within 60 s");
            Assert.True(process.ExitCode is 0 or 1, $"{file} failed ({process.ExitCode}): {error.Result}");
            return output;
        }

        public static async Task<List<LogMatch>> SearchAsync(string path, LogFilter filter, LogPredicate? predicate = null, bool script = false, IOperationReporter? reporter = null)
        {
            var matches = new List<LogMatch>();
            await new LogFileSearcher(new LogSearchRequest(filter, predicate, script)).SearchAsync(path, batch => matches.AddRange(batch), reporter ?? OperationReporter.None, CancellationToken.None);
            return matches;
        }
    }
}
