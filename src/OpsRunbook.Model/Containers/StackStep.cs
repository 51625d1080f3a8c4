using System;

namespace OpsRunbook
{
    /// <summary>One step of starting or stopping a stack: what was done to which service, and how it went.</summary>
    public sealed class StackStep
    {
        public StackStep(string service, StackAction action, StackStepResult result, TimeSpan duration)
        {
            Service = service;
            Action = action;
            Result = result;
            Duration = duration;
        }

        public string Service { get; }

        /// <summary>The container acted on; null for a service with no container (waited for only).</summary>
        public string? Container { get; init; }

        public StackAction Action { get; }

        public StackStepResult Result { get; }

        public TimeSpan Duration { get; }

        /// <summary>What happened: "healthy after 2.1 s", "exited with code 1", "killed after 10 s".</summary>
        public string? Detail { get; init; }

        public override string ToString() => $"{Action} {Service}: {Result}{(Detail is null ? string.Empty : " (" + Detail + ")")}";
    }
}
