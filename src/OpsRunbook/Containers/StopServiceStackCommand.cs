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
    /// The shutdown procedure in one command: the entry services first, with -DrainSec to finish in-flight
    /// requests, then the rest in reverse dependency order.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Stop, "ServiceStack", SupportsShouldProcess = true, DefaultParameterSetName = ProjectSet)]
    [OutputType(typeof(StackStep))]
    public sealed class StopServiceStackCommand : StackCommandBase
    {
        /// <summary>Seconds the entry services (stopped first) get between SIGTERM and SIGKILL, to drain.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int DrainSec { get; set; } = 30;

        /// <summary>Seconds every other service gets between SIGTERM and SIGKILL.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int TimeoutSec { get; set; } = 10;

        internal override bool WithDependencies => false;

        internal override string Action => "Stop";

        internal override IAsyncEnumerable<StackStep> Run(StackRunner runner, StackPlan plan, IOperationReporter reporter, CancellationToken cancellationToken) =>
            runner.StopAsync(plan, TimeSpan.FromSeconds(DrainSec), TimeSpan.FromSeconds(TimeoutSec), reporter, cancellationToken);
    }
}
