using System;

namespace OpsRunbook
{
    /// <summary>How a step of a rollback ended.</summary>
    public enum RollbackStepResult
    {
        /// <summary>-WhatIf: what would be done.</summary>
        Planned,

        Done,

        /// <summary>Nothing to do: already as the point has it.</summary>
        Unchanged,

        Failed,

        /// <summary>Not run, because an earlier step failed.</summary>
        NotRun,
    }

    /// <summary>One step of Invoke-Rollback, written as it finishes.</summary>
    public sealed class RollbackStep
    {
        public RollbackStep(int number, RollbackComponent? component, string service, string action, RollbackStepResult result)
        {
            Number = number;
            Component = component;
            Service = service;
            Action = action;
            Result = result;
        }

        public int Number { get; }

        /// <summary>Null for the steps around the components: verify, safety point, stop, start.</summary>
        public RollbackComponent? Component { get; }

        public string Service { get; }

        public string Action { get; }

        public RollbackStepResult Result { get; }

        public TimeSpan Duration { get; init; }

        public string Detail { get; init; } = string.Empty;

        public override string ToString() => $"{Number}. {Action} {Service}: {Result}";
    }
}
