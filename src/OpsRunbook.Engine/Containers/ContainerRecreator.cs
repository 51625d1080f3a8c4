using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>Captures a container's settings, and creates it again from them on the image they record.</summary>
    public sealed class ContainerRecreator
    {
        private readonly DockerConnection _docker;
        private readonly Func<string, string?> _environment;

        public ContainerRecreator(DockerConnection docker, Func<string, string?> environment)
        {
            _docker = docker;
            _environment = environment;
        }

        public async Task<ContainerSettings> CaptureAsync(string container, CancellationToken cancellationToken) =>
            ContainerSettings.From(await _docker.CallAsync((c, t) => c.Containers.InspectContainerAsync(container, t), container, cancellationToken).ConfigureAwait(false));

        /// <summary>
        /// Replaces the container of that name with one created from <paramref name="settings"/>, left stopped for the
        /// stack start. False when the container already runs that image with those settings.
        /// </summary>
        public async Task<bool> RecreateAsync(ContainerSettings settings, TimeSpan gracePeriod, IOperationReporter reporter, CancellationToken cancellationToken)
        {
            var current = await InspectOrNullAsync(settings.Name, cancellationToken).ConfigureAwait(false);
            if (current is not null && ContainerSettings.From(current).Fingerprint() == settings.Fingerprint())
            {
                return false;
            }

            // The container being replaced is set aside under another name until its successor exists, so a run that is
            // stopped in between leaves it (and the secrets in its environment) for the next run to find.
            var asideName = settings.Name + ".replaced";
            var aside = await InspectOrNullAsync(asideName, cancellationToken).ConfigureAwait(false);
            var image = await ImageReferenceAsync(settings, cancellationToken).ConfigureAwait(false);
            var secrets = ContainerSettings.SecretValues(current ?? aside);
            foreach (var place in settings.SecretArguments.Where(p => !secrets.ContainsKey(ContainerSettings.ArgumentKey(p))))
            {
                throw new OpsRunbookException(ContainerErrors.ContainerSecretMissing, FailureCategory.ObjectNotFound,
                    $"The container {settings.Name} needs its command-line argument #{place + 1}, a secret a restore point does not keep, and no container " +
                    $"of that name has it to take it from.", settings.Name, "Create the container by hand (docker compose up -d), then roll back its image again.");
            }

            foreach (var variable in settings.SecretVariables.Where(v => !secrets.ContainsKey(v)))
            {
                secrets[variable] = _environment(variable) ?? throw new OpsRunbookException(ContainerErrors.ContainerSecretMissing, FailureCategory.ObjectNotFound,
                    $"The container {settings.Name} needs the environment variable {variable}, whose value a restore point does not keep, and neither a container " +
                    $"of that name nor this session's environment has it.", settings.Name, $"Set {variable} in this session and run the rollback again.");
            }

            var setAside = false;
            if (current is not null)
            {
                reporter.Verbose($"Replacing {settings.Name} ({current.Config?.Image}) with one on {settings.ImageName} ({settings.ImageId}).");
                await new ContainerLifecycle(_docker).StopAsync(settings.Name, gracePeriod, reporter, cancellationToken).ConfigureAwait(false);
                if (aside is not null)
                {
                    await RemoveAsync(aside.ID, asideName, cancellationToken).ConfigureAwait(false);
                }

                await _docker.CallAsync((c, t) => c.Containers.RenameContainerAsync(current.ID, new ContainerRenameParameters { NewName = asideName }, t),
                    settings.Name, cancellationToken).ConfigureAwait(false);
                aside = current;
                setAside = true;
            }

            try
            {
                await _docker.CallAsync((c, t) => c.Containers.CreateContainerAsync(settings.ToCreateParameters(image, secrets), t), settings.Name, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception ex) when (setAside && ex is OpsRunbookException or OperationCanceledException)
            {
                // The daemon refused the new one (or the run was stopped): the container it was to replace gets its name back,
                // stopped, so the stack is as it was and a run again finds it as the current one.
                await PutBackAsync(current!.ID, settings.Name, reporter).ConfigureAwait(false);
                throw;
            }

            if (aside is not null)
            {
                await RemoveAsync(aside.ID, asideName, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        private async Task PutBackAsync(string id, string name, IOperationReporter reporter)
        {
            try
            {
                await _docker.CallAsync((c, t) => c.Containers.RenameContainerAsync(id, new ContainerRenameParameters { NewName = name }, t), name, CancellationToken.None)
                    .ConfigureAwait(false);
                reporter.Verbose($"Put {name} back under its name: its replacement was not created.");
            }
            catch (OpsRunbookException ex)
            {
                // The first failure is the one to report; the container stays as {name}.replaced for the next run to find.
                reporter.Warning($"{name} could not be given its name back ({ex.Message}); it is {name}.replaced.");
            }
        }

        private Task RemoveAsync(string id, string name, CancellationToken cancellationToken) =>
            _docker.CallAsync((c, t) => c.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, t), name, cancellationToken);

        /// <summary>The recorded tag while it still names the recorded image; else the image's id. Missing images fail before anything is removed.</summary>
        private async Task<string> ImageReferenceAsync(ContainerSettings settings, CancellationToken cancellationToken)
        {
            try
            {
                await _docker.CallAsync((c, t) => c.Images.InspectImageAsync(settings.ImageId, t), null, cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex) when (ex.InnerException is DockerApiException { StatusCode: HttpStatusCode.NotFound })
            {
                throw new OpsRunbookException(ContainerErrors.ImageNotFound, FailureCategory.ObjectNotFound,
                    $"The image {settings.ImageName} ({settings.ImageId}) that {settings.Name} ran is no longer on the Docker daemon at {_docker.Host}.",
                    settings.Name, "Pull or load that image again (docker image ls shows what there is), then run the rollback again.", ex);
            }

            try
            {
                var named = await _docker.CallAsync((c, t) => c.Images.InspectImageAsync(settings.ImageName, t), null, cancellationToken).ConfigureAwait(false);
                return named.ID == settings.ImageId ? settings.ImageName : settings.ImageId;
            }
            catch (OpsRunbookException ex) when (ex.InnerException is DockerApiException { StatusCode: HttpStatusCode.NotFound })
            {
                return settings.ImageId;
            }
        }

        private async Task<ContainerInspectResponse?> InspectOrNullAsync(string container, CancellationToken cancellationToken)
        {
            try
            {
                return await _docker.CallAsync((c, t) => c.Containers.InspectContainerAsync(container, t), container, cancellationToken).ConfigureAwait(false);
            }
            catch (OpsRunbookException ex) when (ex.ErrorId == ContainerErrors.ContainerNotFound)
            {
                return null;
            }
        }
    }
}
