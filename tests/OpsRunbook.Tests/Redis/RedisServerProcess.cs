using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Tests.Redis
{
    /// <summary>
    /// A redis-server of a test's own, on a free loopback port with its own folder and the test bed's password, for
    /// what must not touch the shared one: stopping or restarting it mid-operation, FLUSHDB, failed saves, clusters.
    /// Stopped by its process id, never by name. redis-cli is the independent witness of what it holds.
    /// </summary>
    internal sealed class RedisServerProcess : IDisposable
    {
        private readonly string _config;
        private Process? _process;

        private RedisServerProcess(string directory, int port, string config)
        {
            Directory = directory;
            Port = port;
            _config = config;
        }

        public string Directory { get; }

        public int Port { get; }

        public string Endpoint => $"127.0.0.1:{Port}";

        /// <summary>redis://:PASSWORD@127.0.0.1:PORT</summary>
        public string Uri => $"redis://:{System.Uri.EscapeDataString(TestBed.Password)}@{Endpoint}";

        public RedisConnectionInfo Connection => RedisConnectionInfo.Parse(Uri, null, Env.None);

        public bool IsRunning => _process is { HasExited: false };

        /// <param name="save">Snapshot points ("3600 1"): the server then also saves when stopped with SIGTERM.</param>
        /// <param name="extra">More redis.conf lines.</param>
        public static RedisServerProcess Start(string? save = null, IEnumerable<string>? extra = null, int? port = null)
        {
            var directory = Path.Combine(Path.GetTempPath(), "orb-redis-" + Guid.NewGuid().ToString("N")[..8]);
            System.IO.Directory.CreateDirectory(directory);
            var chosen = port ?? FreePort();
            var lines = new List<string>
            {
                "bind 127.0.0.1",
                $"port {chosen}",
                $"dir {directory}",
                $"save \"{save ?? string.Empty}\"",
                "appendonly no",
                "daemonize no",
                $"logfile {Path.Combine(directory, "redis.log")}",
                "enable-debug-command yes",
                // The password lives in this private file, never on a command line that ps shows.
                $"requirepass {TestBed.Password}",
                $"masterauth {TestBed.Password}",
            };
            lines.AddRange(extra ?? Array.Empty<string>());
            var config = Path.Combine(directory, "redis.conf");
            File.WriteAllLines(config, lines);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            var server = new RedisServerProcess(directory, chosen, config);
            server.Launch();
            return server;
        }

        /// <summary>A loopback port free now, whose cluster bus port (+10000) is free too.</summary>
        public static int FreePort()
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var port = TestBed.ClosedPort();
                if (port < 55000 && IsFree(port + 10000))
                {
                    return port;
                }
            }

            throw new InvalidOperationException("No free loopback port pair was found in 50 tries.");
        }

        private static bool IsFree(int port)
        {
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        private void Launch()
        {
            var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(_config);
            _process = Process.Start(info)!;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server on {Endpoint} exited at once: {Log()}");
                }

                try
                {
                    // LOADING answers an error, so this waits until the data set is loaded too.
                    if (Cli("PING").Trim() == "PONG")
                    {
                        return;
                    }
                }
                catch (InvalidOperationException)
                {
                }

                Thread.Sleep(50);
            }

            throw new TimeoutException($"redis-server on {Endpoint} did not answer PING within 15 s: {Log()}");
        }

        /// <summary>SIGKILL: the server vanishes mid-command, saving nothing.</summary>
        public void Kill()
        {
            _process?.Kill();
            _process?.WaitForExit(10_000);
        }

        /// <summary>SIGTERM: the server shuts down as an operator's restart does (saving first when save points are set).</summary>
        public void Stop()
        {
            if (_process is { HasExited: false } process)
            {
                Process.Start("kill", new[] { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!.WaitForExit(10_000);
                if (!process.WaitForExit(20_000))
                {
                    process.Kill();
                    throw new TimeoutException($"redis-server on {Endpoint} did not stop within 20 s of SIGTERM.");
                }
            }
        }

        /// <summary>Starts it again on the same port and folder (it loads the snapshot it saved).</summary>
        public void Restart()
        {
            Stop();
            Launch();
        }

        /// <summary>redis-cli against this server (the password through REDISCLI_AUTH); its output.</summary>
        public string Cli(params string[] arguments) => RedisCli.Run(Port, null, arguments);

        public string CliIn(int database, params string[] arguments) => RedisCli.Run(Port, database, arguments);

        public long DbSize(int database = 0) => long.Parse(CliIn(database, "DBSIZE").Trim(), System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>DEBUG POPULATE: COUNT keys named PREFIX:0 .. PREFIX:COUNT-1 in a moment.</summary>
        public void Populate(int count, string prefix, int database = 0)
        {
            var answer = CliIn(database, "DEBUG", "POPULATE", count.ToString(System.Globalization.CultureInfo.InvariantCulture), prefix).Trim();
            if (answer != "OK")
            {
                throw new InvalidOperationException($"DEBUG POPULATE answered {answer}");
            }
        }

        public string Log()
        {
            var path = Path.Combine(Directory, "redis.log");
            return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(20)) : "(no log)";
        }

        public void Dispose()
        {
            try
            {
                if (_process is { HasExited: false })
                {
                    _process.Kill();
                    _process.WaitForExit(10_000);
                }
            }
            finally
            {
                _process?.Dispose();
                try
                {
                    System.IO.Directory.Delete(Directory, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    /// <summary>redis-cli, the independent witness: the password through REDISCLI_AUTH, never on its command line.</summary>
    internal static class RedisCli
    {
        public static string Run(int port, int? database, params string[] arguments) => RunAs(port, database, null, arguments);

        public static string RunAs(int port, int? database, string? user, params string[] arguments)
        {
            var info = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.Environment["REDISCLI_AUTH"] = Tests.TestBed.Password;
            foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-auth-warning" })
            {
                info.ArgumentList.Add(argument);
            }

            if (user is not null)
            {
                info.ArgumentList.Add("--user");
                info.ArgumentList.Add(user);
            }

            if (database is int db)
            {
                info.ArgumentList.Add("-n");
                info.ArgumentList.Add(db.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                throw new TimeoutException($"redis-cli {string.Join(' ', arguments)} did not finish in 60 s.");
            }

            return process.ExitCode == 0 && !output.Result.StartsWith("ERR", StringComparison.Ordinal) && !output.Result.StartsWith("Could not connect", StringComparison.Ordinal)
                ? output.Result
                : throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments)} (exit {process.ExitCode}): {output.Result} {error.Result}".Trim());
        }

        /// <summary>The test bed's server.</summary>
        public static string OnTestBed(int? database, params string[] arguments) => Run(Tests.TestBed.RedisPort, database, arguments);

        /// <summary>How many keys match the pattern, by redis-cli --scan (never KEYS).</summary>
        public static int Count(int port, int database, string pattern) =>
            Run(port, database, "--scan", "--pattern", pattern).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

        /// <summary>Sets keys with a pipeline (redis-cli --pipe), fast enough for tens of thousands.</summary>
        public static void SetMany(int port, int database, IEnumerable<string> keys)
        {
            var info = new ProcessStartInfo("redis-cli")
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                StandardInputEncoding = new System.Text.UTF8Encoding(false),
            };
            info.Environment["REDISCLI_AUTH"] = Tests.TestBed.Password;
            foreach (var argument in new[] { "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-auth-warning",
                "-n", database.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pipe" })
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using (var input = process.StandardInput)
            {
                input.NewLine = "\r\n";
                foreach (var key in keys)
                {
                    var bytes = System.Text.Encoding.UTF8.GetByteCount(key);
                    input.Write($"*3\r\n$3\r\nSET\r\n${bytes}\r\n{key}\r\n$1\r\nv\r\n");
                }
            }

            if (!process.WaitForExit(60_000) || process.ExitCode != 0)
            {
                throw new InvalidOperationException($"redis-cli --pipe failed: {output.Result} {error.Result}");
            }
        }
    }
}
