using System;
using System.Formats.Tar;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>Reads files out of a container through the Engine API's archive endpoint (docker cp).</summary>
    public sealed class ContainerFiles
    {
        // Go's fs.ModeType: directory, symlink, named pipe, socket, device, char device, irregular.
        private const uint NotRegularFile = (1u << 31) | (1u << 27) | (1u << 26) | (1u << 25) | (1u << 24) | (1u << 21) | (1u << 19);

        private readonly DockerConnection _docker;

        public ContainerFiles(DockerConnection docker)
        {
            _docker = docker;
        }

        /// <summary>Size of a file in the container, or null when there is none at that path.</summary>
        public async Task<long?> SizeAsync(string container, string path, CancellationToken cancellationToken)
        {
            try
            {
                var response = await _docker.CallAsync((c, t) => c.Containers.GetArchiveFromContainerAsync(container,
                    new GetArchiveFromContainerParameters { Path = path }, true, t), container, cancellationToken).ConfigureAwait(false);
                return response.Stat?.Size;
            }
            catch (OpsRunbookException ex) when (ex.ErrorId == "ContainerNotFound" && ex.TargetObject as string == container)
            {
                // The daemon answers 404 for a missing path as for a missing container; tell them apart.
                await new ContainerCatalog(_docker).GetAsync(container, cancellationToken).ConfigureAwait(false);
                return null;
            }
        }

        /// <summary>Copies one regular file from the container into <paramref name="destination"/>; returns its size.</summary>
        public async Task<long> CopyOutAsync(string container, string path, Stream destination, CancellationToken cancellationToken)
        {
            var response = await _docker.CallAsync((c, t) => c.Containers.GetArchiveFromContainerAsync(container,
                new GetArchiveFromContainerParameters { Path = path }, false, t), container, cancellationToken).ConfigureAwait(false);
            await using var archive = response.Stream;
            if (response.Stat is { } stat && (stat.Mode & NotRegularFile) != 0)
            {
                throw NotAFile(container, path);
            }

            // Docker.DotNet's chunked response stream fails the reads TarReader makes for an entry's data (EndOfStreamException
            // past the first few KiB); a buffer in between turns them into plain reads it serves correctly.
            await using var buffered = new BufferedStream(archive, 1 << 16);
            using var reader = new TarReader(buffered);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile && entry.DataStream is not null)
                {
                    var before = destination.CanSeek ? destination.Position : 0;
                    await entry.DataStream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
                    return destination.CanSeek ? destination.Position - before : entry.Length;
                }
            }

            throw NotAFile(container, path);
        }

        private static OpsRunbookException NotAFile(string container, string path) =>
            Failures.InvalidData("ContainerFileNotFound", $"'{path}' in the container {container} is not a regular file.", path,
                "Give the path of a file, not a directory or link.");
    }
}
