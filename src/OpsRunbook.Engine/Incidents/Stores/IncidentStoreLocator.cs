using System;
using System.IO;
using System.Net;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Incidents;

namespace OpsRunbook.Engine.Incidents.Stores
{
    /// <summary>
    /// Which store a command uses: -Store (a folder, or a PostgreSQL URI or connection string), else the
    /// OPSRUNBOOK_INCIDENT_STORE variable, else the user's local data folder. Configured once, for every command.
    /// </summary>
    public static class IncidentStoreLocator
    {
        public const string EnvironmentVariable = "OPSRUNBOOK_INCIDENT_STORE";

        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

        /// <summary>~/.local/share/OpsRunbook/incidents on Linux, %LOCALAPPDATA%\OpsRunbook\incidents on Windows.</summary>
        public static string? DefaultFolder
        {
            get
            {
                var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
                return string.IsNullOrEmpty(data) ? null : Path.Combine(data, "OpsRunbook", "incidents");
            }
        }

        /// <param name="store">-Store as given; null or empty for the environment's or the default.</param>
        /// <param name="resolvePath">Makes a folder given relative to the caller's location absolute.</param>
        public static IIncidentStore Open(string? store, NetworkCredential? credential, Func<string, string?> environment,
            Func<string, string> resolvePath, TimeSpan? timeout = null)
        {
            var text = string.IsNullOrWhiteSpace(store) ? environment(EnvironmentVariable) : store;
            if (string.IsNullOrWhiteSpace(text))
            {
                if (credential is not null)
                {
                    throw CredentialWithoutPostgres();
                }

                return new LocalIncidentStore(DefaultFolder ?? throw Failures.InvalidArgument(IncidentErrors.IncidentStoreNotConfigured,
                    "No incident store was given, OPSRUNBOOK_INCIDENT_STORE is not set, and this account has no local data folder.", null,
                    "Give -Store a folder or a PostgreSQL connection string, or set OPSRUNBOOK_INCIDENT_STORE."));
            }

            if (IsPostgres(text))
            {
                return new PostgresIncidentStore(PostgresConnectionInfo.Parse(text, credential, environment), timeout ?? DefaultTimeout);
            }

            if (credential is not null)
            {
                throw CredentialWithoutPostgres();
            }

            return new LocalIncidentStore(resolvePath(text));
        }

        /// <summary>postgres:// and postgresql:// URIs, and Npgsql strings that name a host.</summary>
        public static bool IsPostgres(string text)
        {
            if (PostgresConnectionInfo.IsUri(text))
            {
                return true;
            }

            foreach (var part in text.Split(';'))
            {
                var trimmed = part.TrimStart();
                if (trimmed.StartsWith("host=", StringComparison.OrdinalIgnoreCase) || trimmed.StartsWith("server=", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        private static OpsRunbookException CredentialWithoutPostgres() =>
            Failures.InvalidArgument(IncidentErrors.StoreCredentialNotApplicable, "-StoreCredential was given, but the incident store is a folder, which takes no credential.",
                null, "Leave -StoreCredential out, or give -Store (or OPSRUNBOOK_INCIDENT_STORE) a PostgreSQL connection string.");
    }
}
