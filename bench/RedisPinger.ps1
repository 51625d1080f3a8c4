<#
.SYNOPSIS
The second client of the Redis benchmark: PINGs a server every few milliseconds from its own process (so the
clearing client's pauses never count as the server's) and, when -StopFile appears, writes every sample to -OutFile
as "sent-at (UTC ticks),wait (microseconds)". The password comes from OPSRUNBOOK_BENCH_REDIS_PASSWORD.
#>
param(
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$StopFile,
    [Parameter(Mandatory)][string]$OutFile,
    [Parameter(Mandatory)][string]$ReadyFile,
    [int]$IntervalMs = 2,
    # A bound on the whole run, whatever happens to the benchmark that started it.
    [int]$MaxSeconds = 900
)

$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using System.Threading;

public static class RedisPinger
{
    public static void Run(int port, string password, int intervalMs, string stopFile, string outFile, string readyFile, int maxSeconds)
    {
        using var client = new TcpClient { NoDelay = true };
        client.Connect("127.0.0.1", port);
        var stream = client.GetStream();
        var buffer = new byte[256];
        if (!string.IsNullOrEmpty(password))
        {
            var length = Encoding.UTF8.GetByteCount(password);
            Send(stream, $"*2\r\n$4\r\nAUTH\r\n${length}\r\n{password}\r\n");
            var answer = ReadLine(stream, buffer);
            if (answer != "+OK") throw new InvalidOperationException("AUTH was refused: " + answer);
        }

        var ping = Encoding.ASCII.GetBytes("*1\r\n$4\r\nPING\r\n");
        var samples = new List<(long Sent, long Micros)>();
        var total = Stopwatch.StartNew();
        File.WriteAllText(readyFile, "ready");
        while (!File.Exists(stopFile) && total.Elapsed.TotalSeconds < maxSeconds && samples.Count < 10_000_000)
        {
            var sent = DateTime.UtcNow.Ticks;
            var clock = Stopwatch.StartNew();
            stream.Write(ping, 0, ping.Length);
            var reply = ReadLine(stream, buffer);
            clock.Stop();
            if (reply != "+PONG") throw new InvalidOperationException("PING answered " + reply);
            samples.Add((sent, (long)(clock.Elapsed.TotalMilliseconds * 1000)));
            Thread.Sleep(intervalMs);
        }

        var text = new StringBuilder();
        foreach (var (sent, micros) in samples) text.Append(sent).Append(',').Append(micros).Append('\n');
        File.WriteAllText(outFile, text.ToString());
    }

    private static void Send(NetworkStream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        stream.Write(bytes, 0, bytes.Length);
    }

    private static string ReadLine(NetworkStream stream, byte[] buffer)
    {
        var count = 0;
        while (count < 2 || buffer[count - 2] != '\r' || buffer[count - 1] != '\n')
        {
            var read = stream.Read(buffer, count, 1);
            if (read == 0) throw new IOException("The server closed the connection.");
            count += read;
            if (count == buffer.Length) throw new IOException("The answer is too long.");
        }

        return Encoding.ASCII.GetString(buffer, 0, count - 2);
    }
}
'@
[RedisPinger]::Run($Port, $env:OPSRUNBOOK_BENCH_REDIS_PASSWORD, $IntervalMs, $StopFile, $OutFile, $ReadyFile, $MaxSeconds)
