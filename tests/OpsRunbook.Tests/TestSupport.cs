using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Health;
using Xunit;

namespace OpsRunbook.Tests
{
    /// <summary>Environments for the engine's Func&lt;string, string?&gt; parameters: never the real one.</summary>
    internal static class Env
    {
        public static Func<string, string?> None { get; } = _ => null;

        public static Func<string, string?> Of(params (string Name, string Value)[] variables)
        {
            var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
            return name => map.TryGetValue(name, out var value) ? value : null;
        }
    }

    /// <summary>Tests that change server-wide state (connection counts, maxmemory) run alone, after the others.</summary>
    [CollectionDefinition("Serial", DisableParallelization = true)]
    public sealed class SerialCollection
    {
    }

    internal static class Probe
    {
        public static ProbeTarget Target(string target, ServiceKind? kind = null, System.Net.NetworkCredential? credential = null,
            string? name = null, string? caPath = null, Func<string, string?>? environment = null) =>
            ProbeTarget.Create(new ProbeDefinition(target)
            {
                Kind = kind,
                Credential = credential,
                Name = name,
                CaCertificatePath = caPath,
            }, environment ?? Env.None);

        /// <summary>Probes one target through the checker, as the cmdlets do, and checks no secret leaked.</summary>
        public static async Task<ServiceHealth> CheckAsync(ProbeTarget target, TimeSpan? timeout = null)
        {
            var checker = new HealthChecker(timeout ?? TimeSpan.FromSeconds(10), 4);
            var health = await checker.CheckOneAsync(target, CancellationToken.None);
            SecretAssert.Absent(health);
            return health;
        }

        public static Task<ServiceHealth> CheckAsync(string target, ServiceKind? kind = null, System.Net.NetworkCredential? credential = null,
            TimeSpan? timeout = null, string? caPath = null, Func<string, string?>? environment = null) =>
            CheckAsync(Target(target, kind, credential, caPath: caPath, environment: environment), timeout);

        public static object? Detail(ServiceHealth health, string key) => health.Details.Contains(key) ? health.Details[key] : null;
    }
}

namespace OpsRunbook.Tests
{
    using System.Collections.Concurrent;
    using OpsRunbook.Engine.Common;

    /// <summary>Keeps what the engine reports, from any thread, in arrival order.</summary>
    internal sealed class RecordingReporter : IOperationReporter
    {
        private readonly ConcurrentQueue<object> _events = new();

        public IReadOnlyList<string> Verboses => _events.OfType<string>().ToList();

        public IReadOnlyList<string> Warnings => _events.OfType<WarningText>().Select(w => w.Text).ToList();

        public IReadOnlyList<OperationProgress> Progresses => _events.OfType<OperationProgress>().ToList();

        public bool IsVerbose => true;

        public void Verbose(string message) => _events.Enqueue(message);

        public void Warning(string message) => _events.Enqueue(new WarningText(message));

        public void Progress(OperationProgress progress) => _events.Enqueue(progress);

        private sealed record WarningText(string Text);
    }

    /// <summary>
    /// The folders of what the module wrote during a test, under the run's artifacts: kept while the test command runs
    /// its password sweep (OPSRUNBOOK_TEST_KEEP_ARTIFACTS=1), which reads them before anything is cleaned up; the run's
    /// whole folder goes when the test bed stops. Removed at once otherwise.
    /// </summary>
    internal static class TestArtifacts
    {
        public static void Remove(string folder)
        {
            var kept = System.Environment.GetEnvironmentVariable("OPSRUNBOOK_TEST_KEEP_ARTIFACTS") == "1"
                && System.IO.Path.GetFullPath(folder).StartsWith(System.IO.Path.GetFullPath(TestBed.Artifacts), System.StringComparison.Ordinal);
            if (!kept && System.IO.Directory.Exists(folder))
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }
    }
}
