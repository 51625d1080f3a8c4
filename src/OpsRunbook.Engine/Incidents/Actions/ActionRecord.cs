using System;
using System.Collections.Generic;

namespace OpsRunbook.Engine.Incidents.Actions
{
    /// <summary>A parameter of a recorded command: its name and its value as text, still to be redacted.</summary>
    /// <param name="Text">The value as it would be typed; null for a switch that is on, "$false" for one turned off (-Confirm:$false).</param>
    public sealed record ActionParameter(string Name, string? Text);

    /// <summary>What a command did, as the cmdlet saw it: the input of <see cref="ActionTimeline.ToEntry"/>.</summary>
    public sealed record ActionRecord
    {
        public required string Command { get; init; }

        public IReadOnlyList<ActionParameter> Parameters { get; init; } = Array.Empty<ActionParameter>();

        public DateTimeOffset StartedAt { get; init; }

        public TimeSpan Duration { get; init; }

        public required ActionSummary Summary { get; init; }

        /// <summary>Ctrl+C, or a downstream command that had what it needed (Select-Object -First), stopped it.</summary>
        public bool Stopped { get; init; }

        /// <summary>Values to mask wherever they appear besides what looks like a secret: the passwords of the credentials it was given.</summary>
        public IReadOnlyList<string?> Secrets { get; init; } = Array.Empty<string?>();
    }
}
