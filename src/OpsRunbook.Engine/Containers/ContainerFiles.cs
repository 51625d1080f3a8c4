using System;
using System.Formats.Tar;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>Copies files out of and into a container through the Engine API's archive endpoint (docker cp).</summary>
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
            catch (OpsRunbookException ex) when (ex.ErrorId == ContainerErrors.ContainerNotFound && ex.TargetObject as string == container)
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

            using var reader = new TarReader(new ArchiveReadStream(archive));
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    if (entry.DataStream is null)
                    {
                        return 0; // an empty file
                    }

                    var before = destination.CanSeek ? destination.Position : 0;
                    await entry.DataStream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
                    return destination.CanSeek ? destination.Position - before : entry.Length;
                }
            }

            throw NotAFile(container, path);
        }

        /// <summary>
        /// Puts <paramref name="source"/> into the container as <paramref name="directory"/>/<paramref name="fileName"/>, owned
        /// as the file it replaces is (or as the folder is, when there is none), so the server in it can read it.
        /// Works on a stopped container.
        /// </summary>
        public async Task CopyInAsync(string container, string directory, string fileName, string source, UnixFileMode mode, CancellationToken cancellationToken)
        {
            var owner = await OwnerAsync(container, directory.TrimEnd('/') + "/" + fileName, cancellationToken).ConfigureAwait(false)
                ?? await OwnerAsync(container, directory, cancellationToken).ConfigureAwait(false)
                ?? throw Failures.InvalidData(ContainerErrors.ContainerFileNotFound, $"The container {container} has no folder '{directory}'.", directory,
                    "Check the server's dir setting (CONFIG GET dir).");

            // The archive is written to a private work folder first: the upload needs a stream whose length is known.
            SweepUploads();
            using var work = WorkFolder.TryClaim(Path.GetTempPath(), UploadPrefix + Guid.NewGuid().ToString("N"))
                ?? throw new IOException("A fresh upload folder could not be claimed in " + Path.GetTempPath());
            var archivePath = Path.Combine(work.Path, "upload.tar");
            await using (var archive = PrivateFiles.Create(archivePath, 1 << 16, FileOptions.Asynchronous))
            await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            await using (var content = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, fileName)
                {
                    DataStream = content,
                    Mode = mode,
                    Uid = owner.Uid,
                    Gid = owner.Gid,
                    ModificationTime = DateTimeOffset.UtcNow,
                };
                await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }

            await using var upload = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await ExtractAsync(container, directory, upload, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// Gives the file <paramref name="existing"/> in <paramref name="directory"/> a second name, <paramref name="fileName"/>,
        /// replacing what had that name: a hard link, made by the daemon as it unpacks an archive of one link entry. Only
        /// names change, so a file put in beside it beforehand takes the place of the old one at once. Works on a stopped container.
        /// </summary>
        public async Task LinkAsync(string container, string directory, string fileName, string existing, CancellationToken cancellationToken)
        {
            using var archive = new MemoryStream();
            await using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.HardLink, fileName) { LinkName = existing, ModificationTime = DateTimeOffset.UtcNow }, cancellationToken)
                    .ConfigureAwait(false);
            }

            archive.Position = 0;
            await ExtractAsync(container, directory, archive, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>The SHA-256 of a file in the container, read through the archive endpoint (lower-case hex, as sha256sum writes it).</summary>
        public async Task<string> Sha256Async(string container, string path, CancellationToken cancellationToken)
        {
            await using var hashing = new HashingStream(Stream.Null);
            await CopyOutAsync(container, path, hashing, cancellationToken).ConfigureAwait(false);
            return hashing.Finish();
        }

        private const string UploadPrefix = "opsrunbook-upload-";

        // An upload whose process was killed left its archive (a copy of the data) in the temporary folder.
        private static void SweepUploads() => WorkFolder.Sweep(Path.GetTempPath(), name => name.StartsWith(UploadPrefix, StringComparison.Ordinal));

        private Task ExtractAsync(string container, string directory, Stream archive, CancellationToken cancellationToken) =>
            _docker.CallAsync((c, t) => c.Containers.ExtractArchiveToContainerAsync(container,
                new ContainerPathStatParameters { Path = directory, AllowOverwriteDirWithFile = false }, archive, t), container, cancellationToken);

        // The first header of an archive of a path is that path's own: its owner, without reading its data.
        private async Task<(int Uid, int Gid)?> OwnerAsync(string container, string path, CancellationToken cancellationToken)
        {
            if (await SizeAsync(container, path, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            var response = await _docker.CallAsync((c, t) => c.Containers.GetArchiveFromContainerAsync(container,
                new GetArchiveFromContainerParameters { Path = path }, false, t), container, cancellationToken).ConfigureAwait(false);
            await using var archive = response.Stream;
            using var reader = new TarReader(new ArchiveReadStream(archive));
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry ? (entry.Uid, entry.Gid) : null;
        }

        private static OpsRunbookException NotAFile(string container, string path) =>
            Failures.InvalidData(ContainerErrors.ContainerFileNotFound, $"'{path}' in the container {container} is not a regular file.", path,
                "Give the path of a file, not a directory or link.");
    }
}
