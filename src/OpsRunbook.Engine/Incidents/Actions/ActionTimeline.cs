using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;
using OpsRunbook.Engine.Incidents.Evidence;
using OpsRunbook.Engine.Incidents.Stores;

namespace OpsRunbook.Engine.Incidents.Actions
{
    /// <summary>
    /// "Every action on the timeline": turns what a command did into one Action entry of the current incident, with
    /// every secret masked (the credentials it was given, the secrets of the environment, and whatever looks like one,
    /// as evidence is masked), and appends it.
    /// </summary>
    public static class ActionTimeline
    {
        public const int MaxParametersLength = 1000;

        private const int MaxValueLength = 200;

        // Variables whose whole value is a secret, by name: PGPASSWORD, *_PASSWORD, *_TOKEN, *_SECRET, *_API_KEY, ...
        private static readonly Regex SecretName = new(@"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|WEBHOOK)",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>The entry to append, with its parameters, summary and error masked.</summary>
        public static IncidentEntry ToEntry(ActionRecord record, IEnumerable<string?> environmentSecrets, string author)
        {
            var redactor = new EvidenceRedactor(record.Secrets.Concat(environmentSecrets));
            string Mask(string text) => redactor.Redact(text).Text;
            var parameters = Mask(RenderParameters(record.Parameters));
            var error = record.Summary.DescribeErrors();
            return new IncidentEntry(IncidentEventKind.Action)
            {
                Author = author,
                Command = record.Command,
                Parameters = ActionSummary.Cap(parameters, MaxParametersLength),
                StartedAt = record.StartedAt,
                Duration = record.Duration < TimeSpan.Zero ? TimeSpan.Zero : record.Duration,
                Text = Mask(record.Summary.Describe(record.Stopped)),
                Error = error is null ? null : Mask(error),
            };
        }

        /// <summary>Appends the entry; throws what the store throws (the caller makes that a warning).</summary>
        public static async Task<IncidentEntry> AppendAsync(IIncidentStore store, string incidentId, IncidentEntry entry, CancellationToken cancellationToken) =>
            (await store.AppendAsync(incidentId, new[] { entry }, null, cancellationToken).ConfigureAwait(false))[0];

        /// <summary>-Name api -Force -Confirm:$false, each value cut to a readable length.</summary>
        public static string RenderParameters(IEnumerable<ActionParameter> parameters)
        {
            var text = new StringBuilder();
            foreach (var parameter in parameters)
            {
                if (text.Length > 0)
                {
                    text.Append(' ');
                }

                text.Append('-').Append(parameter.Name);
                if (parameter.Text is null)
                {
                    continue;
                }

                if (parameter.Text is "$false" or "$true")
                {
                    text.Append(':').Append(parameter.Text);
                }
                else
                {
                    text.Append(' ').Append(ActionSummary.Cap(ActionSummary.OneLine(parameter.Text), MaxValueLength));
                }
            }

            return text.ToString();
        }

        /// <summary>
        /// The secrets of an environment: the whole value of a variable named like one (PGPASSWORD, *_PASSWORD,
        /// *_TOKEN, SLACK_WEBHOOK_URL, ...) and the passwords inside connection strings and URLs (DATABASE_URL, REDIS_URL).
        /// </summary>
        public static IReadOnlyList<string> EnvironmentSecrets(IDictionary environment)
        {
            var secrets = new List<string>();
            foreach (DictionaryEntry variable in environment)
            {
                if (variable.Key is not string name || variable.Value is not string value || value.Length == 0)
                {
                    continue;
                }

                if (SecretName.IsMatch(name))
                {
                    secrets.Add(value);
                }

                if (value.Contains("://", StringComparison.Ordinal) || value.Contains('=', StringComparison.Ordinal))
                {
                    secrets.AddRange(ConnectionStringText.SecretsIn(value));
                }
            }

            return secrets.Where(s => s.Length >= 4).Distinct(StringComparer.Ordinal).ToList();
        }
    }
}
