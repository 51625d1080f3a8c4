using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Containers
{
    /// <summary>
    /// What a container was created with, as the daemon reports it: enough to create it again on the same image
    /// (what a rollback of a deployment does). Environment variables that hold a secret, by their name (PASSWORD,
    /// TOKEN, DSN, *_KEY...) or by their value (a URL with a password, a password= pair, a key of a known shape), are
    /// kept by name only, and command-line arguments that do (--requirepass VALUE, --password=VALUE, or such a value)
    /// by their place only; their values come from the container being replaced, so no secret is written to disk.
    /// </summary>
    public sealed class ContainerSettings
    {
        private const string ArgumentMask = "<secret>";

        private static readonly Regex SecretName = new("PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|API_?KEY|ACCESS_?KEY|DSN|(^|_)KEY($|_)|AUTH",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        // --requirepass SECRET, --password=SECRET, -p... is not one: flags whose value is a secret, by name.
        private static readonly Regex SecretFlag = new(@"^--?[\w\-]*(?:pass|passwd|password|requirepass|masterauth|secret|token|api[\-_]?key|auth)(?:=(?<value>.*))?$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

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

        /// <summary>Places in Config.Cmd whose argument holds a secret: written as &lt;secret&gt;, taken from the container replaced.</summary>
        public List<int> SecretArguments { get; set; } = new();

        public static bool IsSecretName(string variable) => SecretName.IsMatch(variable);

        /// <summary>A variable holds a secret by its name, or by what its value is.</summary>
        public static bool IsSecret(string assignment) => IsSecretName(VariableName(assignment)) || HoldsSecret(ValueOf(assignment));

        private static bool HoldsSecret(string value) =>
            SecretShapes.Holds(value) || ConnectionStringText.SecretsIn(value).Any();

        /// <summary>The places of a command line whose argument is a secret: the value after a secret flag, or one that holds a secret.</summary>
        public static List<int> SecretArgumentPlaces(IList<string>? command)
        {
            var places = new List<int>();
            for (var i = 0; command is not null && i < command.Count; i++)
            {
                if (SecretFlag.Match(command[i]) is { Success: true } flag)
                {
                    if (flag.Groups["value"].Success)
                    {
                        places.Add(i);
                    }
                    else if (i + 1 < command.Count)
                    {
                        places.Add(++i);
                    }
                }
                else if (HoldsSecret(command[i]))
                {
                    places.Add(i);
                }
            }

            return places;
        }

        public static ContainerSettings From(ContainerInspectResponse container)
        {
            // A copy: the secrets are left out of the record, not out of the daemon's answer.
            var config = container.Config is null ? new Config() : JsonSerializer.Deserialize<Config>(JsonSerializer.Serialize(container.Config))!;
            var environment = config.Env ?? new List<string>();
            var secrets = environment.Where(IsSecret).Select(VariableName).ToList();
            config.Env = environment.Where(e => !IsSecret(e)).ToList();
            var arguments = SecretArgumentPlaces(config.Cmd);
            foreach (var place in arguments)
            {
                config.Cmd[place] = ArgumentMask;
            }

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
                SecretArguments = arguments,
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
            SecretArguments,
        });

        public static ContainerSettings FromJson(string json) =>
            JsonSerializer.Deserialize<ContainerSettings>(json, Json) ?? throw new JsonException("The settings file is empty.");

        /// <summary>
        /// The create request for this container on <paramref name="image"/>, with the secret variables' values and the
        /// secret arguments (keyed <see cref="ArgumentKey"/>) from <paramref name="secretValues"/>.
        /// </summary>
        public CreateContainerParameters ToCreateParameters(string image, IReadOnlyDictionary<string, string> secretValues)
        {
            var environment = Config.Env?.ToList() ?? new List<string>();
            environment.AddRange(SecretVariables.Where(secretValues.ContainsKey).Select(v => $"{v}={secretValues[v]}"));
            var command = Config.Cmd?.ToList();
            foreach (var place in SecretArguments.Where(p => command is not null && p < command.Count && secretValues.ContainsKey(ArgumentKey(p))))
            {
                command![place] = secretValues[ArgumentKey(place)];
            }

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
                Cmd = command,
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

        /// <summary>The key of a secret argument among the secret values: "arg:2" for the third argument.</summary>
        public static string ArgumentKey(int place) => "arg:" + place.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The values of the secret variables in a running container's environment, and of its secret arguments.</summary>
        public static Dictionary<string, string> SecretValues(ContainerInspectResponse? container)
        {
            var values = (container?.Config?.Env ?? new List<string>())
                .Where(IsSecret)
                .GroupBy(VariableName)
                .ToDictionary(g => g.Key, g => ValueOf(g.Last()), StringComparer.Ordinal);
            var command = container?.Config?.Cmd;
            foreach (var place in SecretArgumentPlaces(command))
            {
                values[ArgumentKey(place)] = command![place];
            }

            return values;
        }

        private static string VariableName(string assignment)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? assignment : assignment[..equals];
        }

        private static string ValueOf(string assignment)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            return equals < 0 ? string.Empty : assignment[(equals + 1)..];
        }
    }
}
