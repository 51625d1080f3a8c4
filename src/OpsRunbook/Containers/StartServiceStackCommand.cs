using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using OpsRunbook.Engine.Common;
using OpsRunbook.Engine.Containers;
using OpsRunbook.Engine.Stacks;

namespace OpsRunbook.Containers
{
    /// <summary>
    /// The startup procedure in one command: dependencies first, each ready before what needs it starts,
    /// failing fast with the reason when one never becomes ready.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Start, "ServiceStack", SupportsShouldProcess = true, DefaultParameterSetName = ProjectSet)]
    [OutputType(typeof(StackStep))]
    public sealed class StartServiceStackCommand : StackCommandBase
    {
        /// <summary>How long each service may take to become ready, in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public int TimeoutSec { get; set; } = 120;

        internal override bool WithDependencies => true;

        internal override string Action => "Start and wait until ready";

        internal override IAsyncEnumerable<StackStep> Run(StackRunner runner, StackPlan plan, IOperationReporter reporter, CancellationToken cancellationToken) =>
            runner.StartAsync(plan, TimeSpan.FromSeconds(TimeoutSec), reporter, cancellationToken);
    }
}
