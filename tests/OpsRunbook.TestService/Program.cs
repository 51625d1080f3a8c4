using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Prometheus;

// Arguments: --http-port N [--tls-dir DIR --tls-ports valid,expiring,expired]
//            [--postgres-port N] [--redis-port N] [--basic-user U --basic-password-env VAR]
// Or, to write a generated JSON-lines log and exit: --write-log PATH [--lines N] [--seed N]
if (Array.IndexOf(args, "--write-log") is var logArgument and >= 0)
{
    string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    LogGenerator.Write(args[logArgument + 1], int.Parse(Option("--lines") ?? "1000000", CultureInfo.InvariantCulture),
        int.Parse(Option("--seed") ?? "4", CultureInfo.InvariantCulture));
    return;
}

var options = Arguments.Parse(args);
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.Listen(IPAddress.Loopback, options.HttpPort);
    if (options.TlsDirectory is not null)
    {
        foreach (var (port, certificate) in TestCertificates.Create(options.TlsDirectory, options.TlsPorts))
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate));
        }
    }
});

var app = builder.Build();
ServiceMetrics.Initialize();
app.Use(ServiceMetrics.Middleware);

// Prometheus text exposition, written by prometheus-net.
app.MapMetrics("/metrics");

// Seed 002's JSON metrics: error_rate, cache_hit_rate, avg_response_time (?scenario= for one traffic scenario's).
app.MapGet("/api/metrics", (HttpContext context) => Results.Json(ServiceMetrics.Json(context.Request.Query["scenario"].FirstOrDefault())));

// What the traffic hits: ?status=500 answers that, ?delay=ms answers late, ?cache=hit|miss counts toward the hit rate.
app.MapGet("/work/{scenario}", async (HttpContext context, string scenario) =>
{
    var query = context.Request.Query;
    if (int.TryParse(query["delay"], out var delay) && delay > 0)
    {
        await Task.Delay(Math.Min(delay, 10_000), context.RequestAborted);
    }

    if (query["cache"] == "hit" || query["cache"] == "miss")
    {
        context.Items["cache"] = query["cache"] == "hit";
    }

    var status = int.TryParse(query["status"], out var code) && code is >= 200 and < 600 ? code : 200;
    return Results.Json(new { scenario, status }, statusCode: status);
});

// Drives traffic at /work/{scenario}: POST ?requests=N&errorsPer100=P&slowPer100=P&slowMs=MS&cacheHitsPer100=P&concurrency=C&perSecond=R[&background=true];
// GET reports on it, DELETE stops it.
app.MapMethods("/traffic/{scenario}", new[] { "GET", "POST", "DELETE" }, (Delegate)((HttpContext context) => TrafficDriver.Handle(context, options.HttpPort)));

// Liveness. ?delay=ms answers late (the benchmark's 20 ms services).
app.MapGet("/health", async (HttpContext context) =>
{
    if (int.TryParse(context.Request.Query["delay"], out var delay))
    {
        await Task.Delay(delay, context.RequestAborted);
    }

    await context.Response.WriteAsJsonAsync(new { status = "ok", timestamp = DateTimeOffset.UtcNow });
});

// The seeds' readiness document. Switches: ?status=503 (not ready), ?mode=degraded (Redis fallback),
// ?format=aspnet (ASP.NET Core HealthChecks shape), ?delay=ms, ?healthyAfter=unix-ms (503 until then).
app.MapGet("/health/ready", async (HttpContext context) =>
{
    var query = context.Request.Query;
    if (int.TryParse(query["delay"], out var delay))
    {
        await Task.Delay(delay, context.RequestAborted);
    }

    var postgres = await Dependencies.Check(options.PostgresPort);
    var redis = await Dependencies.Check(options.RedisPort);
    var notYet = long.TryParse(query["healthyAfter"], out var after) && DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() < after;
    if (query["status"] == "503" || notYet || Switches.IsDown(query["switch"]))
    {
        postgres = (false, 0, "Connection refused");
    }

    var degraded = query["mode"] == "degraded";
    if (degraded)
    {
        redis = (false, 0, "Connection refused; serving from the in-process fallback cache");
    }

    var ready = postgres.Ok && (redis.Ok || degraded);
    context.Response.StatusCode = ready ? 200 : 503;
    if (query["format"] == "aspnet")
    {
        await context.Response.WriteAsJsonAsync(new
        {
            status = ready ? (degraded ? "Degraded" : "Healthy") : "Unhealthy",
            totalDuration = "00:00:00.0123456",
            entries = new Dictionary<string, object>
            {
                ["npgsql"] = AspNetEntry(postgres),
                ["redis"] = AspNetEntry(redis),
            },
        });
        return;
    }

    await context.Response.WriteAsJsonAsync(new
    {
        status = ready ? (degraded ? "degraded" : "ready") : "not_ready",
        checks = new Dictionary<string, object>
        {
            ["postgresql"] = SeedCheck(postgres),
            ["redis"] = SeedCheck(redis),
        },
        version = "1.0.0",
    });
});

// Accepts the connection, then never answers.
app.MapGet("/hang", async (HttpContext context) => await Task.Delay(Timeout.Infinite, context.RequestAborted));

app.MapGet("/text", () => Results.Text("OK"));

app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));

app.MapGet("/auth", (HttpContext context) =>
{
    var expected = options.BasicUser is null ? null
        : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.BasicUser}:{Environment.GetEnvironmentVariable(options.BasicPasswordVariable ?? string.Empty)}"));
    return context.Request.Headers.Authorization == expected && expected is not null
        ? Results.Json(new { status = "ok" })
        : Results.StatusCode(401);
});

// A named readiness switch, for drills: /health/ready?switch=NAME answers 503 while NAME is down.
// POST /switch/NAME/down[?seconds=N] takes it down (for N seconds, else until /up); POST /switch/NAME/up brings it back.
app.MapPost("/switch/{name}/down", (string name, HttpContext context) =>
{
    var seconds = double.TryParse(context.Request.Query["seconds"], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : (double?)null;
    Switches.Down(name, seconds is double n ? DateTimeOffset.UtcNow.AddSeconds(n) : DateTimeOffset.MaxValue);
    return Results.Json(new { name, down = true });
});
app.MapPost("/switch/{name}/up", (string name) =>
{
    Switches.Up(name);
    return Results.Json(new { name, down = false });
});

// A Slack-compatible incoming webhook that records every post of a channel. Switches, in the URL the caller posts to:
// ?fail=N answers the first N posts of the channel with ?status (default 500; 429 adds Retry-After: ?retryAfter);
// ?hang=1 never answers. GET /webhook/CHANNEL lists what was posted, with what each was answered.
app.MapPost("/webhook/{channel}", async (string channel, HttpContext context) =>
{
    using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
    var body = await reader.ReadToEndAsync(context.RequestAborted);
    var query = context.Request.Query;
    var hang = query["hang"] == "1";
    var failures = int.TryParse(query["fail"], out var n) ? n : 0;
    var failStatus = int.TryParse(query["status"], out var code) ? code : 500;
    var status = Webhooks.Record(channel, body, attempt => hang ? 0 : attempt <= failures ? failStatus : 200);
    if (hang)
    {
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }

    if (status == 429 && query["retryAfter"].ToString() is { Length: > 0 } retryAfter)
    {
        context.Response.Headers.RetryAfter = retryAfter;
    }

    return status == 200 ? Results.Text("ok") : Results.StatusCode(status);
});
app.MapGet("/webhook/{channel}", (string channel) => Results.Json(Webhooks.Posts(channel)));

app.Run();

static object SeedCheck((bool Ok, double LatencyMs, string? Error) check) =>
    check.Ok ? new { status = "ok", latency_ms = check.LatencyMs } : new { status = "unhealthy", error = check.Error };

static object AspNetEntry((bool Ok, double LatencyMs, string? Error) check) => new
{
    data = new { },
    description = check.Error,
    duration = TimeSpan.FromMilliseconds(check.LatencyMs).ToString("c", CultureInfo.InvariantCulture),
    status = check.Ok ? "Healthy" : "Unhealthy",
    tags = Array.Empty<string>(),
};

internal sealed record Arguments(int HttpPort, string? TlsDirectory, int[] TlsPorts, int? PostgresPort, int? RedisPort, string? BasicUser, string? BasicPasswordVariable)
{
    public static Arguments Parse(string[] args)
    {
        string? Value(string name)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
        }

        int? Port(string name) => Value(name) is string text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        return new Arguments(
            Port("--http-port") ?? throw new ArgumentException("--http-port is required"),
            Value("--tls-dir"),
            (Value("--tls-ports") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(),
            Port("--postgres-port"),
            Port("--redis-port"),
            Value("--basic-user"),
            Value("--basic-password-env"));
    }
}

internal static class Dependencies
{
    // A dependency is "ok" when its port accepts a connection, as a readiness probe's cheapest check.
    public static async Task<(bool Ok, double LatencyMs, string? Error)> Check(int? port)
    {
        if (port is null)
        {
            return (true, 0, null);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(IPAddress.Loopback, port.Value, timeout.Token);
            return (true, Math.Round(clock.Elapsed.TotalMilliseconds, 3), null);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return (false, 0, ex is SocketException s && s.SocketErrorCode == SocketError.ConnectionRefused ? "Connection refused" : ex.Message);
        }
    }
}

/// <summary>A private CA and three server certificates for 127.0.0.1/localhost: valid 90 days, expiring in 10, expired.</summary>
internal static class TestCertificates
{
    public static IEnumerable<(int Port, X509Certificate2 Certificate)> Create(string directory, int[] ports)
    {
        if (ports.Length != 3)
        {
            throw new ArgumentException("--tls-ports takes three ports: valid,expiring,expired");
        }

        Directory.CreateDirectory(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=OpsRunbook Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-400), now.AddDays(400));
        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());

        var lifetimes = new[] { (now.AddDays(-1), now.AddDays(90)), (now.AddDays(-80), now.AddDays(10).AddHours(1)), (now.AddDays(-100), now.AddDays(-3)) };
        for (var i = 0; i < ports.Length; i++)
        {
            yield return (ports[i], Leaf(ca, lifetimes[i].Item1, lifetimes[i].Item2, i));
        }
    }

    private static X509Certificate2 Leaf(X509Certificate2 ca, DateTimeOffset notBefore, DateTimeOffset notAfter, int serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using var signed = request.Create(ca, notBefore, notAfter, new byte[] { 1, 2, 3, (byte)(serial + 4) });
        // Kestrel needs the private key with the certificate, in a form it can load on Linux.
        return X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }
}

internal static class Switches
{
    private static readonly Dictionary<string, DateTimeOffset> DownUntil = new(StringComparer.Ordinal);

    public static void Down(string name, DateTimeOffset until)
    {
        lock (DownUntil)
        {
            DownUntil[name] = until;
        }
    }

    public static void Up(string name)
    {
        lock (DownUntil)
        {
            DownUntil.Remove(name);
        }
    }

    public static bool IsDown(string? name)
    {
        lock (DownUntil)
        {
            return name is not null && DownUntil.TryGetValue(name, out var until) && DateTimeOffset.UtcNow < until;
        }
    }
}

internal sealed record WebhookPost(DateTimeOffset ReceivedAt, string Body, int Status, string? Text);

internal static class Webhooks
{
    private static readonly Dictionary<string, List<WebhookPost>> Channels = new(StringComparer.Ordinal);

    /// <summary>Records a post and returns the status to answer it with, given which post of the channel it is (1, 2, ...).</summary>
    public static int Record(string channel, string body, Func<int, int> statusFor)
    {
        string? text = null;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            text = json.RootElement.TryGetProperty("text", out var value) ? value.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            // Recorded as posted; the test sees that it had no text.
        }

        lock (Channels)
        {
            if (!Channels.TryGetValue(channel, out var posts))
            {
                Channels[channel] = posts = new List<WebhookPost>();
            }

            var status = statusFor(posts.Count + 1);
            posts.Add(new WebhookPost(DateTimeOffset.UtcNow, body, status, text));
            return status;
        }
    }

    public static List<WebhookPost> Posts(string channel)
    {
        lock (Channels)
        {
            return Channels.TryGetValue(channel, out var posts) ? posts.ToList() : new List<WebhookPost>();
        }
    }
}
