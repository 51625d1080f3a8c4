using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Health;
using OpsRunbook.Engine.Redis;

namespace OpsRunbook.Engine.Stacks
{
    /// <summary>
    /// The one owner of a stack: its inventory with this run's credential, environment and Docker daemon, resolved
    /// once. It hands the other areas what they work on (probe targets, PostgreSQL connections, Redis targets, the
    /// services in dependency order), so that none of them reads an inventory or calls another back.
    /// </summary>
    public sealed class ServiceStack
    {
        private readonly NetworkCredential? _credential;
        private readonly IReadOnlyCollection<string> _credentialServices;
        private readonly Func<string, string?> _environment;

        /// <param name="credentialServices">The services the credential is for (wildcards); none: the Postgres and Redis services.</param>
        /// <param name="dockerHost">The Docker daemon of the stack's containers when not the inventory's own.</param>
        public ServiceStack(StackInventory inventory, Func<string, string?> environment, NetworkCredential? credential = null,
            IReadOnlyCollection<string>? credentialServices = null, string? dockerHost = null)
        {
            Inventory = inventory;
            _environment = environment;
            _credential = credential;
            _credentialServices = credentialServices ?? Array.Empty<string>();
            DockerHost = dockerHost ?? inventory.DockerHost;
            CheckCredentialServices();
        }

        public StackInventory Inventory { get; }

        /// <summary>The Docker daemon that runs the stack's containers; null for the one of DOCKER_HOST.</summary>
        public string? DockerHost { get; }

        /// <summary>The inventory's Name, else its file name without the extension.</summary>
        public string Name => Inventory.Name ?? System.IO.Path.GetFileNameWithoutExtension(Inventory.Path);

        /// <summary>
        /// The probe target of a service. Its password comes from the credential when the credential is for it (see
        /// <see cref="CredentialFor"/>); else from the service's PasswordVariable.
        /// </summary>
        public ProbeTarget ProbeTarget(InventoryService service, TimeSpan? restartWindow = null, DiskThresholds? diskThresholds = null) =>
            ForService(service, () => Health.ProbeTarget.Create(new ProbeDefinition(service.Target)
            {
                Name = service.Name,
                Kind = service.Kind,
                Credential = CredentialFor(service),
                CaCertificatePath = service.CaCertificatePath,
                DockerHost = DockerHost,
                RestartWindow = restartWindow ?? ContainerHealthProbe.DefaultRestartWindow,
                DependsOn = service.DependsOn,
                Tags = service.Tags,
                Timeout = service.TimeoutSec is int seconds ? TimeSpan.FromSeconds(seconds) : null,
                DiskThresholds = diskThresholds ?? DiskThresholds.Default,
            }, _environment));

        /// <summary>
        /// The stack's services as a plan sees them: their containers (Container, or Target for kind Container),
        /// DependsOn and probe.
        /// </summary>
        public IReadOnlyList<StackService> Services() =>
            Inventory.Services
                .Select(s => new StackService(
                    s.Name,
                    s.Container is not null ? new[] { s.Container } : s.Kind == ServiceKind.Container ? new[] { s.Target } : Array.Empty<string>(),
                    s.DependsOn,
                    ProbeTarget(s)))
                .ToList();

        /// <summary>
        /// The PostgreSQL service named <paramref name="name"/>, or the only one of the file when no name is
        /// given, as a connection.
        /// </summary>
        public PostgresConnectionInfo Postgres(string? name)
        {
            var postgres = Inventory.Services.Where(s => s.Kind == ServiceKind.Postgres).ToList();
            InventoryService service;
            if (string.IsNullOrEmpty(name))
            {
                service = postgres.Count == 1
                    ? postgres[0]
                    : throw new OpsRunbookException(StackErrors.PostgresServiceNotChosen, FailureCategory.InvalidArgument,
                        postgres.Count == 0
                            ? $"The inventory '{Inventory.Path}' has no Postgres service."
                            : $"The inventory '{Inventory.Path}' has {postgres.Count} Postgres services: {string.Join(", ", postgres.Select(s => s.Name))}.",
                        Inventory.Path, postgres.Count == 0 ? "Add a service with Kind = 'Postgres', or give -ConnectionString." : "Say which with -Name.");
            }
            else
            {
                service = Inventory.Select(new[] { name }, null).FirstOrDefault()
                    ?? throw new OpsRunbookException(StackErrors.ServiceNotFound, FailureCategory.ObjectNotFound,
                        $"The inventory '{Inventory.Path}' has no service named '{name}'.", name, "Use one of the names in the inventory; -Name completes them with Tab.");
                if (service.Kind != ServiceKind.Postgres)
                {
                    throw new OpsRunbookException(StackErrors.ServiceNotPostgres, FailureCategory.InvalidArgument,
                        $"The service '{service.Name}' in '{Inventory.Path}' is of kind {service.Kind}, not Postgres.", service.Name,
                        postgres.Count == 0 ? "Give -ConnectionString instead." : $"Use a Postgres service: {string.Join(", ", postgres.Select(s => s.Name))}.");
                }
            }

            return ForService(service, () => PostgresConnectionInfo.Parse(service.Target, CredentialFor(service), _environment));
        }

        /// <summary>The Redis services whose names match (all when none are given); a name that is not Redis is an error.</summary>
        public IReadOnlyList<RedisTarget> Redis(IReadOnlyCollection<string> names)
        {
            var selected = Inventory.Select(names, null);
            foreach (var literal in names.Where(n => !NamePattern.HasWildcards(n)))
            {
                var service = selected.First(s => s.Name.Equals(literal, StringComparison.OrdinalIgnoreCase));
                if (service.Kind != ServiceKind.Redis)
                {
                    throw new OpsRunbookException(StackErrors.ServiceNotRedis, FailureCategory.InvalidArgument,
                        $"The service '{service.Name}' in '{Inventory.Path}' is of kind {service.Kind}, not Redis.", service.Name,
                        $"Name a Redis service of the inventory: {RedisNames()}.");
                }
            }

            var redis = selected.Where(s => s.Kind == ServiceKind.Redis).ToList();
            if (redis.Count == 0)
            {
                throw new OpsRunbookException(StackErrors.RedisServiceNotFound, FailureCategory.ObjectNotFound,
                    names.Count == 0
                        ? $"The inventory '{Inventory.Path}' has no Redis service."
                        : $"No Redis service of the inventory '{Inventory.Path}' matches {string.Join(", ", names.Select(n => $"'{n}'"))}.",
                    Inventory.Path, "Add a service with Kind = 'Redis', or give -ConnectionString.");
            }

            return redis.Select(service => ForService(service,
                () => new RedisTarget(service.Name, RedisConnectionInfo.Parse(service.Target, CredentialFor(service), _environment), service.Container, Inventory.DockerHost)))
                .ToList();
        }

        /// <summary>
        /// The credential given goes to the services named for it (wildcards), or when none are named, to the
        /// Postgres and Redis services; every service else takes the password of its own PasswordVariable, with its
        /// UserName. So a database password given for a stack is never sent to its HTTP endpoints unless named.
        /// </summary>
        internal NetworkCredential? CredentialFor(InventoryService service)
        {
            if (_credential is not null && (_credentialServices.Count > 0
                    ? _credentialServices.Any(p => NamePattern.IsMatch(service.Name, p))
                    : service.Kind is ServiceKind.Postgres or ServiceKind.Redis))
            {
                return _credential;
            }

            if (service.PasswordVariable is string variable)
            {
                var password = _environment(variable) ?? throw new OpsRunbookException(StackErrors.SecretVariableNotSet, FailureCategory.InvalidArgument,
                    $"The service '{service.Name}' in '{Inventory.Path}' takes its password from the environment variable '{variable}', which is not set.",
                    service.Name, $"Set {variable} before running, or pass -Credential.");
                return new NetworkCredential(service.UserName ?? string.Empty, password);
            }

            return service.UserName is null ? null : new NetworkCredential(service.UserName, (string?)null);
        }

        // -CredentialService: each name without wildcards is a service of the inventory, and a credential is given.
        private void CheckCredentialServices()
        {
            if (_credentialServices.Count == 0)
            {
                return;
            }

            if (_credential is null)
            {
                throw new OpsRunbookException(StackErrors.CredentialServiceWithoutCredential, FailureCategory.InvalidArgument,
                    $"-CredentialService names the services a credential is for ({string.Join(", ", _credentialServices)}), but no -Credential was given.",
                    string.Join(", ", _credentialServices), "Give -Credential too, or leave -CredentialService out.");
            }

            _ = Inventory.Select(_credentialServices, null);
        }

        private string RedisNames()
        {
            var names = Inventory.Services.Where(s => s.Kind == ServiceKind.Redis).Select(s => s.Name).ToList();
            return names.Count == 0 ? "it has none" : string.Join(", ", names);
        }

        // A connection string or target that cannot be used is named by its service and file.
        private T ForService<T>(InventoryService service, Func<T> make)
        {
            try
            {
                return make();
            }
            catch (OpsRunbookException ex)
            {
                throw new OpsRunbookException(ex.ErrorId, ex.Category, $"Service '{service.Name}' in '{Inventory.Path}': {ex.Message}", service.Name, ex.RecommendedAction, ex);
            }
        }
    }
}
