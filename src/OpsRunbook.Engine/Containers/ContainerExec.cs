using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>What a command run in a container did.</summary>
    /// <param name="StandardError">Its last 64 KiB of stderr, for the error message when it fails.</param>
    public sealed record ExecOutcome(int ExitCode, string StandardError, long StandardOutputBytes);

    /// <summary>
    /// Runs a command inside a container (docker exec) with its stdout streamed to a local stream: the
    /// runbooks' `docker compose exec postgres pg_dump ...`. Cancelling stops the command in the container too.
    /// </summary>
    public sealed class ContainerExec
    {
        private const int StderrLimit = 64 * 1024;
        private const string PidMarker = "opsrunbook-exec-pid:";

        private readonly DockerConnection _docker;

        public ContainerExec(DockerConnection docker)
        {
            _docker = docker;
        }

        /// <param name="environment">Variables for the command only (PGPASSWORD, REDISCLI_AUTH): never on its command line.</param>
        public async Task<ExecOutcome> RunAsync(string container, IReadOnlyList<string> command, Stream? standardOutput,
            IReadOnlyDictionary<string, string>? environment, string? user, CancellationToken cancellationToken)
        {
            // A shell reports the command's pid first, so a cancelled command can be stopped inside the container.
            var wrapped = new List<string> { "sh", "-c", $"echo {PidMarker}$$ >&2; exec \"$@\"", command[0] };
            wrapped.AddRange(command);
            var parameters = new ContainerExecCreateParameters
            {
                AttachStdout = true,
                AttachStderr = true,
                Cmd = wrapped,
                Env = environment?.Select(e => $"{e.Key}={e.Value}").ToList(),
                User = user,
            };
            var exec = await _docker.CallAsync((c, t) => c.Exec.ExecCreateContainerAsync(container, parameters, t), container, cancellationToken).ConfigureAwait(false);
            using var stream = await _docker.CallAsync((c, t) => c.Exec.StartAndAttachContainerExecAsync(exec.ID, false, t), container, cancellationToken).ConfigureAwait(false);

            var stderr = new StringBuilder();
            string? pid = null;
            long written = 0;
            var buffer = new byte[81920];
            try
            {
                while (true)
                {
                    var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                    if (read.EOF)
                    {
                        break;
                    }

                    if (read.Target == MultiplexedStream.TargetStream.StandardOut)
                    {
                        if (standardOutput is not null)
                        {
                            await standardOutput.WriteAsync(buffer.AsMemory(0, read.Count), cancellationToken).ConfigureAwait(false);
                        }

                        written += read.Count;
                    }
                    else
                    {
                        stderr.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
                        pid ??= TakePid(stderr);
                        if (stderr.Length > StderrLimit)
                        {
                            stderr.Remove(0, stderr.Length - StderrLimit);
                        }
                    }
                }
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                await StopAsync(container, pid).ConfigureAwait(false);
                throw new OperationCanceledException(cancellationToken);
            }

            var inspect = await _docker.CallAsync((c, t) => c.Exec.InspectContainerExecAsync(exec.ID, t), container, CancellationToken.None).ConfigureAwait(false);
            return new ExecOutcome((int)inspect.ExitCode, stderr.ToString().Trim(), written);
        }

        private static string? TakePid(StringBuilder stderr)
        {
            var text = stderr.ToString();
            var start = text.IndexOf(PidMarker, StringComparison.Ordinal);
            var end = start < 0 ? -1 : text.IndexOf('\n', start);
            if (end < 0)
            {
                return null;
            }

            stderr.Remove(start, end - start + 1);
            return text.Substring(start + PidMarker.Length, end - start - PidMarker.Length).Trim();
        }

        // Best effort: the caller is going away; the command in the container must not run on unseen.
        private async Task StopAsync(string container, string? pid)
        {
            if (pid is null || !int.TryParse(pid, out _))
            {
                return;
            }

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var kill = new ContainerExecCreateParameters { Cmd = new[] { "kill", "-TERM", pid }, AttachStdout = false, AttachStderr = false };
                var exec = await _docker.CallAsync((c, t) => c.Exec.ExecCreateContainerAsync(container, kill, t), container, timeout.Token).ConfigureAwait(false);
                await _docker.CallAsync((c, t) => c.Exec.StartContainerExecAsync(exec.ID, t), container, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OpsRunbookException or OperationCanceledException)
            {
            }
        }
    }
}
