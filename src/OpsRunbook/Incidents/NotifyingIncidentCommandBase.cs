using System;
using System.Management.Automation;
using OpsRunbook.Engine.Incidents.Notifications;

using OpsRunbook.Infrastructure;

namespace OpsRunbook.Incidents
{
    /// <summary>
    /// -Notify: the cmdlets that move an incident along post its message ([INCIDENT], [UPDATE], [RESOLVED]) to a
    /// Slack-compatible webhook: -WebhookUri, else OPSRUNBOOK_INCIDENT_WEBHOOK, else SLACK_WEBHOOK_URL.
    /// </summary>
    public abstract class NotifyingIncidentCommandBase : IncidentCommandBase
    {
        /// <summary>Send the incident's message to the webhook.</summary>
        [Parameter]
        public SwitchParameter Notify { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        [SecretValue]
        public string? WebhookUri { get; set; }

        /// <summary>Seconds for each of the three attempts to deliver a message.</summary>
        [Parameter]
        [ValidateRange(1, 300)]
        public int NotificationTimeoutSec { get; set; } = 10;

        /// <summary>The notifier -Notify asks for, checked before anything changes; null without -Notify.</summary>
        internal WebhookNotifier? Notifier()
        {
            if (!Notify)
            {
                return null;
            }

            try
            {
                return new WebhookNotifier(WebhookNotifier.Resolve(WebhookUri, Environment), TimeSpan.FromSeconds(NotificationTimeoutSec));
            }
            catch (OpsRunbookException ex)
            {
                ThrowFailure(ex);
                throw; // not reached: ThrowFailure throws
            }
        }
    }
}
