using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

/// <summary>
/// Sends real HTTP traffic to this service's /work/{scenario}, with a known share of 5xx answers, slow requests
/// and cache hits spread evenly through it, so tests can compare what the metrics say with what was sent.
/// Bounded: at most 100,000 requests, 32 at a time, 120 seconds.
/// </summary>
internal sealed class TrafficDriver
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private static readonly ConcurrentDictionary<string, TrafficDriver> Running = new();

    private readonly CancellationTokenSource _stop = new();
    private long _sent;
    private long _errors;
    private long _slow;
    private long _failed;

    private TrafficDriver(TrafficPlan plan)
    {
        Plan = plan;
    }

    public TrafficPlan Plan { get; }

    public Task? Completion { get; private set; }

    public static async Task<IResult> Handle(HttpContext context, int port)
    {
        var scenario = (string)context.Request.RouteValues["scenario"]!;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            return Running.TryGetValue(scenario, out var current) ? Results.Json(current.Report()) : Results.NotFound();
        }

        if (HttpMethods.IsDelete(context.Request.Method))
        {
            if (Running.TryRemove(scenario, out var stopped))
            {
                stopped._stop.Cancel();
                await stopped.Completion!.ContinueWith(_ => { }, TaskScheduler.Default);
                return Results.Json(stopped.Report());
            }

            return Results.NotFound();
        }

        var plan = TrafficPlan.From(context.Request.Query, scenario, port);
        var driver = new TrafficDriver(plan);
        if (Running.TryGetValue(scenario, out var previous))
        {
            previous._stop.Cancel();
        }

        Running[scenario] = driver;
        driver.Completion = driver.RunAsync();
        if (plan.Background)
        {
            return Results.Json(driver.Report(), statusCode: 202);
        }

        await driver.Completion;
        return Results.Json(driver.Report());
    }

    private object Report() => new
    {
        scenario = Plan.Scenario,
        requests = Plan.Requests,
        sent = Interlocked.Read(ref _sent),
        errors = Interlocked.Read(ref _errors),
        slow = Interlocked.Read(ref _slow),
        failed = Interlocked.Read(ref _failed),
        done = Completion?.IsCompleted ?? false,
    };

    private async Task RunAsync()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        using var gate = new SemaphoreSlim(Plan.Concurrency);
        var clock = Stopwatch.StartNew();
        var inFlight = new System.Collections.Generic.List<Task>();
        try
        {
            for (var i = 0; i < Plan.Requests; i++)
            {
                if (Plan.PerSecond > 0)
                {
                    var due = TimeSpan.FromSeconds(i / Plan.PerSecond) - clock.Elapsed;
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due, deadline.Token);
                    }
                }

                await gate.WaitAsync(deadline.Token);
                var (error, slow, hit) = (Spread(i, Plan.ErrorsPer100), Spread(i + 3, Plan.SlowPer100), Spread(i + 7, Plan.CacheHitsPer100));
                var uri = $"http://127.0.0.1:{Plan.Port}/work/{Uri.EscapeDataString(Plan.Scenario)}?status={(error ? 500 : 200)}&delay={(slow ? Plan.SlowMs : 0)}&cache={(hit ? "hit" : "miss")}";
                inFlight.Add(SendAsync(uri, error, slow, gate, deadline.Token));
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            await Task.WhenAll(inFlight);
        }
        catch (OperationCanceledException)
        {
            // Stopped, or the 120 s bound: what was sent is reported.
        }
    }

    private async Task SendAsync(string uri, bool error, bool slow, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client.GetAsync(uri, cancellationToken);
            Interlocked.Increment(ref _sent);
            if (error)
            {
                Interlocked.Increment(ref _errors);
            }

            if (slow)
            {
                Interlocked.Increment(ref _slow);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            Interlocked.Increment(ref _failed);
        }
        finally
        {
            gate.Release();
        }
    }

    // Request i is one of the share when the running count of the share steps up at i: evenly spread, exact over any 100.
    private static bool Spread(int i, int per100) => per100 > 0 && (i + 1) * per100 / 100 > i * per100 / 100;
}

internal sealed record TrafficPlan(string Scenario, int Port, int Requests, int ErrorsPer100, int SlowPer100, int SlowMs, int CacheHitsPer100,
    int Concurrency, double PerSecond, bool Background)
{
    public static TrafficPlan From(IQueryCollection query, string scenario, int port)
    {
        int Int(string name, int fallback, int min, int max) =>
            int.TryParse(query[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? Math.Clamp(value, min, max) : fallback;
        return new TrafficPlan(scenario, port,
            Int("requests", 100, 1, 100_000),
            Int("errorsPer100", 0, 0, 100),
            Int("slowPer100", 0, 0, 100),
            Int("slowMs", 300, 0, 5_000),
            Int("cacheHitsPer100", 0, 0, 100),
            Int("concurrency", 8, 1, 32),
            double.TryParse(query["perSecond"], NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? Math.Clamp(rate, 0, 2_000) : 0,
            query["background"] == "true");
    }
}
