using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using StackExchange.Redis;

namespace OpsRunbook.Engine.Redis
{
    /// <summary>
    /// Puts a snapshot back into a redis-server on this machine that runs in no container, without touching its files
    /// or its service manager: a temporary redis-server of our own (loopback, a free port, a password, dying with this
    /// process) loads the RDB, the target becomes its replica (a full resync replaces all its data), then a primary
    /// again, and the temporary server is stopped by its process id. A kill during the load leaves a record that has the
    /// next Redis command make the target a primary again.
    /// </summary>
    internal sealed class RedisReplicaLoader
    {
        private const string WorkPrefix = "opsrunbook-redis-restore-";
        private const string PidFile = "redis-server.pid";

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
            var binary = FindServer() ?? throw new OpsRunbookException(RedisErrors.RedisServerNotFound, FailureCategory.ObjectNotFound,
                $"Putting the snapshot back into {target.Name} needs redis-server on this machine, to load the RDB and replicate it; none was found on PATH.",
                target.Name, "Install redis-server (apt-get install redis-server), or run the server in a container named in the inventory.");
            SweepAbandoned(reporter);
            using var session = await RedisSession.OpenAsync(target.Connection, RedisSession.DefaultTimeout, reporter, cancellationToken).ConfigureAwait(false);
            var server = session.Servers[0];
            // The target authenticates to its primary as its configuration says (masteruser, masterauth): the temporary
            // server takes those credentials; a target with none is given a random password for the load, and its empty
            // masterauth back after it. Either way the temporary server takes no connection without the password.
            var user = await session.ConfigAsync(server, "masteruser", cancellationToken).ConfigureAwait(false);
            var password = await session.ConfigAsync(server, "masterauth", cancellationToken).ConfigureAwait(false);
            var setPassword = password.Length == 0;
            if (setPassword)
            {
                password = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
                user = string.Empty;
            }

            using var work = WorkFolder.TryClaim(Path.GetTempPath(), WorkPrefix + Guid.NewGuid().ToString("N"))
                ?? throw new IOException("A fresh folder for the temporary redis-server could not be claimed in " + Path.GetTempPath());
            Process? process = null;
            RedisRestoreMark? mark = null;
            try
            {
                PrivateFiles.Copy(rdbPath, Path.Combine(work.Path, "dump.rdb"));
                var port = FreePort();
                process = ChildProcess.Start(binary, new[] { WriteConfiguration(work.Path, port, user, password) }, new Dictionary<string, string?>(), redirectOutput: true,
                    redirectInput: false);
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                PrivateFiles.Write(Path.Combine(work.Path, PidFile), Encoding.ASCII.GetBytes(process.Id.ToString(CultureInfo.InvariantCulture)));
                reporter.Verbose($"A temporary redis-server (pid {process.Id}) on 127.0.0.1:{port}, password required, loads {Path.GetFileName(rdbPath)}; {target.Name} replicates it.");
                var source = RedisConnectionInfo.Parse($"127.0.0.1:{port}", new NetworkCredential(user, password), _environment);
                // Its key count, once it has read the file, is what the target must reach.
                var keys = await RedisKeyCount.WaitAsync(source, timeout, () => new OpsRunbookException(RedisErrors.RedisNotReady, FailureCategory.OperationTimeout,
                        $"The temporary redis-server had not loaded the snapshot within {timeout.TotalSeconds:0} s; the target was not touched.", source.DisplayTarget,
                        "Raise -TimeoutSec for a large snapshot."), reporter, cancellationToken,
                    () =>
                    {
                        if (process.HasExited)
                        {
                            throw new OpsRunbookException(RedisErrors.RedisSnapshotUnreadable, FailureCategory.InvalidData,
                                $"redis-server could not load the snapshot (it exited with {process.ExitCode}); the target was not touched.", source.DisplayTarget,
                                "Check the point with Get-RollbackPoint -Verify; its RDB may come from a newer Redis than this machine's redis-server.");
                        }
                    }).ConfigureAwait(false);

                // Recorded before the target changes: a kill from here on leaves what the next Redis command needs to undo it.
                mark = RedisRestoreMark.Begin(new RedisRestoreRecord
                {
                    Kind = "replica", Target = target.Name, Endpoint = RedisSession.Endpoint(server), SourceHost = "127.0.0.1", SourcePort = port, MasterAuthSet = setPassword,
                });
                if (setPassword)
                {
                    await session.RunAsync(server, () => server.ExecuteAsync("CONFIG", "SET", "masterauth", password), "setting masterauth for the load", cancellationToken)
                        .ConfigureAwait(false);
                }

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
                    if (setPassword)
                    {
                        await session.RunAsync(server, () => server.ExecuteAsync("CONFIG", "SET", "masterauth", string.Empty), "emptying masterauth again", CancellationToken.None)
                            .ConfigureAwait(false);
                    }

                    mark.Dispose();
                    mark = null;
                }

                // The witness of the copy: the target counts what the snapshot held.
                var held = await RedisKeyCount.ReadAsync(target.Connection, reporter, cancellationToken).ConfigureAwait(false);
                return held == keys
                    ? keys
                    : throw new OpsRunbookException(RedisErrors.RedisRestoreIncomplete, FailureCategory.InvalidResult,
                        $"{target.Name} holds {held?.ToString(CultureInfo.InvariantCulture) ?? "(still loading)"} keys after replicating the snapshot, which holds {keys}.",
                        target.Name, "Run the rollback again; if it repeats, check the server's log for what it refused.");
            }
            finally
            {
                // A record not cleared above is of a target that could not be told to stop replicating: kept for the next command.
                mark?.Release();
                if (process is not null)
                {
                    ChildProcess.Kill(process);
                    process.Dispose();
                }
            }
        }

        /// <summary>
        /// Removes the folders of temporary servers whose restore was killed (they hold a copy of the data and a password),
        /// ending such a server first if it outlived its restore.
        /// </summary>
        private static void SweepAbandoned(IOperationReporter reporter)
        {
            var temp = Path.GetTempPath();
            foreach (var folder in Directory.EnumerateDirectories(temp, "." + WorkPrefix + "*" + WorkFolder.Suffix).Where(WorkFolder.IsAbandoned))
            {
                // redis-server rewrites its command line, but it works in its dir: the folder is its working directory.
                var pidFile = Path.Combine(folder, PidFile);
                if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile), out var pid) && WorksIn(pid, folder))
                {
                    using var orphan = Process.GetProcessById(pid);
                    orphan.Kill();
                    orphan.WaitForExit(10_000);
                    reporter.Warning($"Ended a temporary redis-server (pid {pid}) that outlived the restore that started it.");
                }
            }

            WorkFolder.Sweep(temp, name => name.StartsWith(WorkPrefix, StringComparison.Ordinal));
        }

        private static bool WorksIn(int pid, string folder)
        {
            try
            {
                return new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(returnFinalTarget: false)?.FullName == Path.GetFullPath(folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        private static string WriteConfiguration(string folder, int port, string user, string password)
        {
            var lines = new List<string>
            {
                $"port {port.ToString(CultureInfo.InvariantCulture)}", "bind 127.0.0.1", $"dir {Quote(folder)}", "dbfilename dump.rdb", "save \"\"",
                "appendonly no", "daemonize no", "protected-mode yes", "logfile \"\"", "repl-diskless-sync-delay 0",
                // With a named user, the default one is switched off: no connection without the password either way.
                user.Length > 0 ? $"user {Quote(user)} on {Quote(">" + password)} ~* &* +@all" : $"requirepass {Quote(password)}",
                user.Length > 0 ? "user default off" : string.Empty,
            };

            // The password is in this file only: 0600, in a 0700 folder, gone with the restore.
            var path = Path.Combine(folder, "redis.conf");
            PrivateFiles.Write(path, Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));
            return path;
        }

        // Redis reads "..." with backslash escapes.
        private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

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

            throw new OpsRunbookException(RedisErrors.RedisNotReady, FailureCategory.OperationTimeout,
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
