using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// Puts a snapshot back into a redis-server on this machine that runs in no container, without touching its files
    /// or its service manager: a temporary redis-server of our own (loopback, a free port, no password) loads the RDB,
    /// the target becomes its replica (a full resync replaces all its data), then a primary again, and the temporary
    /// server is stopped by its process id.
    /// </summary>
    internal sealed class RedisReplicaLoader
    {
        private static readonly string[] ServerLocations = { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" };

        private readonly Func<string, string?> _environment;

        public RedisReplicaLoader(Func<string, string?> environment)
        {
            _environment = environment;
        }

        /// <summary>Whether the target is a server this machine can replicate to a temporary server of its own.</summary>
        public static bool IsLocal(RedisTarget target) =>
            target.Connection.Endpoints.Count == 1 && IsLoopback(target.Connection.Endpoints[0]);

        public async Task<long> LoadAsync(RedisTarget target, string rdbPath, TimeSpan timeout, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var binary = FindServer() ?? throw new OpsRunbookException("RedisServerNotFound", FailureCategory.ObjectNotFound,
                $"Putting the snapshot back into {target.Name} needs redis-server on this machine, to load the RDB and replicate it; none was found on PATH.",
                target.Name, "Install redis-server (apt-get install redis-server), or run the server in a container named in the inventory.");
            using var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false);
            var server = session.Servers[0];
            // The target authenticates to its primary as its configuration says (masteruser, masterauth): the temporary
            // server takes the same credentials, in a file of its own, never on a command line.
            var user = await session.ConfigAsync(server, "masteruser", cancellationToken).ConfigureAwait(false);
            var password = await session.ConfigAsync(server, "masterauth", cancellationToken).ConfigureAwait(false);
            var folder = Directory.CreateTempSubdirectory("opsrunbook-redis-restore-").FullName;
            Process? process = null;
            try
            {
                File.Copy(rdbPath, Path.Combine(folder, "dump.rdb"));
                var port = FreePort();
                process = Start(binary, WriteConfiguration(folder, port, user, password));
                reporter.Verbose($"A temporary redis-server (pid {process.Id}) on 127.0.0.1:{port} loads {Path.GetFileName(rdbPath)}; {target.Name} replicates it.");
                var source = RedisConnectionInfo.Parse($"127.0.0.1:{port}",
                    string.IsNullOrEmpty(password) ? null : new NetworkCredential(user, password), _environment);
                // Its key count, once it has read the file, is what the target must reach.
                var keys = await RedisKeyCount.WaitAsync(source, timeout, () => new OpsRunbookException("RedisNotReady", FailureCategory.OperationTimeout,
                        $"The temporary redis-server had not loaded the snapshot within {timeout.TotalSeconds:0} s; the target was not touched.", source.DisplayTarget,
                        "Raise -TimeoutSec for a large snapshot."), reporter, cancellationToken,
                    () =>
                    {
                        if (process.HasExited)
                        {
                            throw new OpsRunbookException("RedisSnapshotUnreadable", FailureCategory.InvalidData,
                                $"redis-server could not load the snapshot (it exited with {process.ExitCode}); the target was not touched.", source.DisplayTarget,
                                "Check the point with Get-RollbackPoint -Verify; its RDB may come from a newer Redis than this machine's redis-server.");
                        }
                    }).ConfigureAwait(false);

                await session.RunAsync(server, () => server.ExecuteAsync("REPLICAOF", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)),
                    "starting to replicate the snapshot", cancellationToken).ConfigureAwait(false);
                try
                {
                    await WaitForSyncAsync(session, server, target, timeout, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Whatever happened, the target is not left a replica of a server that is about to go.
                    await session.RunAsync(server, () => server.ExecuteAsync("REPLICAOF", "NO", "ONE"), "becoming a primary again", CancellationToken.None)
                        .ConfigureAwait(false);
                }

                // The witness of the copy: the target counts what the snapshot held.
                var held = await RedisKeyCount.ReadAsync(target.Connection, reporter, cancellationToken).ConfigureAwait(false);
                return held == keys
                    ? keys
                    : throw new OpsRunbookException("RedisRestoreIncomplete", FailureCategory.InvalidResult,
                        $"{target.Name} holds {held?.ToString(CultureInfo.InvariantCulture) ?? "(still loading)"} keys after replicating the snapshot, which holds {keys}.",
                        target.Name, "Run the rollback again; if it repeats, check the server's log for what it refused.");
            }
            finally
            {
                if (process is { HasExited: false })
                {
                    process.Kill();
                    await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                process?.Dispose();
                Directory.Delete(folder, recursive: true);
            }
        }

        private static string WriteConfiguration(string folder, int port, string user, string password)
        {
            var lines = new List<string>
            {
                $"port {port.ToString(CultureInfo.InvariantCulture)}", "bind 127.0.0.1", $"dir {Quote(folder)}", "dbfilename dump.rdb", "save \"\"",
                "appendonly no", "daemonize no", "protected-mode no", "logfile \"\"", "repl-diskless-sync-delay 0",
            };
            if (password.Length > 0)
            {
                lines.Add(user.Length > 0 ? $"user {Quote(user)} on {Quote(">" + password)} ~* &* +@all" : $"requirepass {Quote(password)}");
            }

            var path = Path.Combine(folder, "redis.conf");
            File.WriteAllText(path, string.Empty);
            FileModes.Set(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllLines(path, lines);
            return path;
        }

        // Redis reads "..." with backslash escapes.
        private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";


        private static Process Start(string binary, string configuration)
        {
            var info = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(configuration);

            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return process;
        }

        private static async Task WaitForSyncAsync(RedisSession session, IServer server, RedisTarget target, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout)
            {
                var replication = RedisInfoText.Parse(await session.RunAsync(server, () => server.InfoRawAsync("replication"), "reading INFO replication", cancellationToken)
                    .ConfigureAwait(false));
                if (replication.Text("master_link_status") == "up" && replication.Text("master_sync_in_progress") == "0")
                {
                    return;
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            throw new OpsRunbookException("RedisNotReady", FailureCategory.OperationTimeout,
                $"{target.Name} had not loaded the snapshot from the temporary server within {timeout.TotalSeconds:0} s; it is a primary again with what it had loaded.",
                target.Name, "Check the server's log, and raise -TimeoutSec for a large snapshot.");
        }

        private string? FindServer() =>
            (_environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "redis-server"))
                .Concat(ServerLocations).FirstOrDefault(File.Exists);

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static bool IsLoopback(string endpoint)
        {
            var host = endpoint.StartsWith('[') ? endpoint[1..endpoint.IndexOf(']')] : endpoint.Split(':')[0];
            return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
        }
    }
}
