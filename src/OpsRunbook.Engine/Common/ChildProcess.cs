using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Common
{
    /// <summary>What a client program did: its exit code and the end of its stderr (for the error message).</summary>
    public sealed record ChildOutcome(int ExitCode, string StandardError);

    /// <summary>
    /// Starts the programs the module runs (pg_dump, pg_restore, psql, redis-server) so that they die with the
    /// process that started them, even one killed with SIGKILL, and see only the environment they need: PATH,
    /// HOME, the locale and time zone, the client certificate paths of libpq, and what the caller gives (the one
    /// password, never the session's other secrets). The password goes in through the environment, never on
    /// the command line; cancelling kills the program and its children.
    /// </summary>
    internal static class ChildProcess
    {
        private const int StderrLimit = 64 * 1024;
        private const string Setpriv = "/usr/bin/setpriv";

        private static readonly string[] Inherited = { "PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "PGSSLROOTCERT", "PGSSLCERT", "PGSSLKEY", "PGSSLCRL", "PGSSLCRLDIR" };

        // The kernel's parent-death signal follows the *thread* that forked the child, and pool threads come and go:
        // every child is forked from this one thread, which lives as long as the process.
        private static readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Started)> Requests = new();
        private static readonly Lazy<Thread> Launcher = new(() =>
        {
            var thread = new Thread(Launch) { IsBackground = true, Name = "OpsRunbook child processes" };
            thread.Start();
            return thread;
        });

        /// <summary>Whether children die with this process (Linux with util-linux's setpriv) or only when cancelled.</summary>
        public static bool TiedToParent => OperatingSystem.IsLinux() && File.Exists(Setpriv);

        /// <param name="environment">Variables to set besides the inherited few; a null value leaves one out.</param>
        public static Process Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment,
            bool redirectOutput, bool redirectInput)
        {
            var info = new ProcessStartInfo(TiedToParent ? Setpriv : program)
            {
                RedirectStandardOutput = redirectOutput,
                RedirectStandardInput = redirectInput,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (TiedToParent)
            {
                foreach (var argument in new[] { "--pdeathsig", "KILL", "--", program })
                {
                    info.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            var inherited = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
            {
                var name = (string)variable.Key;
                if (Array.IndexOf(Inherited, name) >= 0 || name.StartsWith("LC_", StringComparison.Ordinal))
                {
                    inherited[name] = (string)variable.Value!;
                }
            }

            info.Environment.Clear();
            foreach (var (name, value) in inherited)
            {
                info.Environment[name] = value;
            }

            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    info.Environment.Remove(name);
                }
                else
                {
                    info.Environment[name] = value;
                }
            }

            _ = Launcher.Value;
            var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
            Requests.Add((info, started));
            return started.Task.GetAwaiter().GetResult();
        }

        public static async Task<ChildOutcome> RunAsync(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment,
            Stream? standardOutput, Stream? standardInput, CancellationToken cancellationToken)
        {
            using var process = Start(program, arguments, environment, standardOutput is not null, standardInput is not null);
            var stderr = new StringBuilder();
            var errorReader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int read;
                while ((read = await process.StandardError.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
                {
                    lock (stderr)
                    {
                        stderr.Append(buffer, 0, read);
                        if (stderr.Length > StderrLimit)
                        {
                            stderr.Remove(0, stderr.Length - StderrLimit);
                        }
                    }
                }
            }, CancellationToken.None);

            try
            {
                var output = standardOutput is null ? Task.CompletedTask : process.StandardOutput.BaseStream.CopyToAsync(standardOutput, 1 << 20, cancellationToken);
                var input = standardInput is null ? Task.CompletedTask : FeedAsync(standardInput, process, cancellationToken);
                await Task.WhenAll(output, input).ConfigureAwait(false);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Cancelled, or the stream failed (disk full): the program must not run on.
                Kill(process);
                throw;
            }

            await errorReader.ConfigureAwait(false);
            lock (stderr)
            {
                return new ChildOutcome(process.ExitCode, stderr.ToString().Trim());
            }
        }

        /// <summary>Ends the program and what it started, and waits (at most 10 s) until it is gone.</summary>
        public static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        private static void Launch()
        {
            foreach (var (info, started) in Requests.GetConsumingEnumerable())
            {
                try
                {
                    started.SetResult(Process.Start(info) ?? throw new InvalidOperationException($"{info.FileName} did not start."));
                }
                catch (Exception ex)
                {
                    started.SetException(ex);
                }
            }
        }

        private static async Task FeedAsync(Stream source, Process process, CancellationToken cancellationToken)
        {
            try
            {
                await source.CopyToAsync(process.StandardInput.BaseStream, 1 << 20, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (process.HasExited)
            {
                // The program stopped reading (it failed); its exit code and stderr say why.
            }
            finally
            {
                try
                {
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
