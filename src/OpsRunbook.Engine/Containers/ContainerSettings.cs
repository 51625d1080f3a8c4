using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>
    /// What a container was created with, as the daemon reports it: enough to create it again on the same image
    /// (what a rollback of a deployment does). Environment variables whose names say they hold a secret are kept
    /// by name only; their values come from the container being replaced, so no secret is written to disk.
    /// </summary>
    public sealed class ContainerSettings
    {
        private static readonly Regex SecretName = new("PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        public string Name { get; set; } = string.Empty;

        /// <summary>The image's id (sha256:...): what the container runs, whatever its tag points at later.</summary>
        public string ImageId { get; set; } = string.Empty;

        /// <summary>The image as the container was created from it (a tag), for display and when it still names <see cref="ImageId"/>.</summary>
        public string ImageName { get; set; } = string.Empty;

        public Config Config { get; set; } = new();

        public HostConfig HostConfig { get; set; } = new();

        /// <summary>Networks other than the host's and none, with the container's aliases on each.</summary>
        public Dictionary<string, List<string>> Networks { get; set; } = new();

        /// <summary>Environment variables left out of <see cref="Config"/> because they hold secrets.</summary>
        public List<string> SecretVariables { get; set; } = new();

        public static bool IsSecretName(string variable) => SecretName.IsMatch(variable);

        public static ContainerSettings From(ContainerInspectResponse container)
        {
            // A copy: the secrets are left out of the record, not out of the daemon's answer.
            var config = container.Config is null ? new Config() : JsonSerializer.Deserialize<Config>(JsonSerializer.Serialize(container.Config))!;
            var environment = config.Env ?? new List<string>();
            var secrets = environment.Select(VariableName).Where(IsSecretName).ToList();
            config.Env = environment.Where(e => !IsSecretName(VariableName(e))).ToList();
            return new ContainerSettings
            {
                Name = container.Name.TrimStart('/'),
                ImageId = container.Image,
                ImageName = config.Image ?? container.Image,
                Config = config,
                HostConfig = container.HostConfig ?? new HostConfig(),
                Networks = (container.NetworkSettings?.Networks ?? new Dictionary<string, EndpointSettings>())
                    .Where(n => n.Key is not ("host" or "none" or "bridge"))
                    .ToDictionary(n => n.Key, n => (n.Value.Aliases ?? new List<string>()).Where(a => !container.ID.StartsWith(a, StringComparison.Ordinal)).ToList()),
                SecretVariables = secrets,
            };
        }

        public string ToJson() => JsonSerializer.Serialize(this, Json);

        /// <summary>
        /// What makes two containers the same deployment: image, command, environment, labels, mounts, ports, network
        /// and health check. Not what the daemon fills in by itself, which differs between the CLI and the API.
        /// </summary>
        public string Fingerprint() => JsonSerializer.Serialize(new
        {
            ImageId,
            Env = (Config.Env ?? new List<string>()).Order(StringComparer.Ordinal),
            Config.Cmd,
            Config.Entrypoint,
            Config.User,
            Config.WorkingDir,
            Labels = (Config.Labels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal),
            Ports = (Config.ExposedPorts?.Keys ?? Array.Empty<string>()).Order(StringComparer.Ordinal),
            Health = Config.Healthcheck?.Test,
            Binds = (HostConfig.Binds ?? new List<string>()).Order(StringComparer.Ordinal),
            Mounts = (HostConfig.Mounts ?? new List<Mount>()).Select(m => $"{m.Type}:{m.Source}:{m.Target}:{m.ReadOnly}").Order(StringComparer.Ordinal),
            HostConfig.NetworkMode,
            PortBindings = (HostConfig.PortBindings ?? new Dictionary<string, IList<PortBinding>>())
                .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={string.Join(",", (p.Value ?? new List<PortBinding>()).Select(b => $"{b.HostIP}:{b.HostPort}"))}"),
            Networks = Networks.Keys.Order(StringComparer.Ordinal),
            SecretVariables = SecretVariables.Order(StringComparer.Ordinal),
        });

        public static ContainerSettings FromJson(string json) =>
            JsonSerializer.Deserialize<ContainerSettings>(json, Json) ?? throw new JsonException("The settings file is empty.");

        /// <summary>
        /// The create request for this container on <paramref name="image"/>, with the secret variables' values from
        /// <paramref name="secretValues"/>.
        /// </summary>
        public CreateContainerParameters ToCreateParameters(string image, IReadOnlyDictionary<string, string> secretValues)
        {
            var environment = Config.Env?.ToList() ?? new List<string>();
            environment.AddRange(SecretVariables.Where(secretValues.ContainsKey).Select(v => $"{v}={secretValues[v]}"));
            return new CreateContainerParameters
            {
                Name = Name,
                Image = image,
                Hostname = Config.Hostname,
                Domainname = Config.Domainname,
                User = Config.User,
                ExposedPorts = Config.ExposedPorts,
                Tty = Config.Tty,
                OpenStdin = Config.OpenStdin,
                StdinOnce = Config.StdinOnce,
                Env = environment,
                Cmd = Config.Cmd,
                Healthcheck = Config.Healthcheck,
                Volumes = Config.Volumes,
                WorkingDir = Config.WorkingDir,
                Entrypoint = Config.Entrypoint,
                Labels = Config.Labels,
                StopSignal = Config.StopSignal,
                StopTimeout = Config.StopTimeout,
                Shell = Config.Shell,
                HostConfig = HostConfig,
                NetworkingConfig = Networks.Count == 0 ? null : new NetworkingConfig
                {
                    EndpointsConfig = Networks.ToDictionary(n => n.Key, n => new EndpointSettings { Aliases = n.Value }),
                },
            };
        }

        /// <summary>The values of the secret variables in a running container's environment.</summary>
        public static Dictionary<string, string> SecretValues(ContainerInspectResponse? container) =>
            (container?.Config?.Env ?? new List<string>())
                .Where(e => IsSecretName(VariableName(e)))
                .GroupBy(VariableName)
                .ToDictionary(g => g.Key, g => g.Last()[(g.Key.Length + 1)..], StringComparer.Ordinal);

        private static string VariableName(string assignment)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? assignment : assignment[..equals];
        }
    }
}
