using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace OpsRunbook.Engine.Database.Backup
{
    /// <summary>What a client program did: its exit code and the end of its stderr (for the error message).</summary>
    public sealed record ChildOutcome(int ExitCode, string StandardError);

    /// <summary>
    /// Runs pg_dump, pg_restore or psql with its stdout streamed into (or stdin fed from) a stream. The password
    /// goes in through the environment, never on the command line; cancelling kills the program and its children.
    /// </summary>
    internal static class ChildProcess
    {
        private const int StderrLimit = 64 * 1024;

        public static async Task<ChildOutcome> RunAsync(string program, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment,
            Stream? standardOutput, Stream? standardInput, CancellationToken cancellationToken)
        {
            var info = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = standardOutput is not null,
                RedirectStandardInput = standardInput is not null,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
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

            using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start.");
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

        private static void Kill(Process process)
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
    }
}
