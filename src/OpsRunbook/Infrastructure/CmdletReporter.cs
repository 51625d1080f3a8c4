using System.Diagnostics;
using System.Management.Automation;
using OpsRunbook.Engine.Common;

namespace OpsRunbook.Infrastructure
{
    /// <summary>Carries the engine's verbose, warning and progress reports to the cmdlet's streams.</summary>
    internal sealed class CmdletReporter : IOperationReporter
    {
        // Progress is for operations that take a while: nothing for the first half second, then at most four updates a second.
        private const long QuietMilliseconds = 500;
        private const long IntervalMilliseconds = 250;

        private readonly PSCmdlet _cmdlet;
        private readonly PipelinePump _pump;
        private readonly int _activityId;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private long _lastProgress = -IntervalMilliseconds;
        private bool _progressShown;

        public CmdletReporter(PSCmdlet cmdlet, PipelinePump pump, int activityId)
        {
            _cmdlet = cmdlet;
            _pump = pump;
            _activityId = activityId;
            IsVerbose = cmdlet.MyInvocation.BoundParameters.TryGetValue("Verbose", out var flag)
                ? flag is SwitchParameter { IsPresent: true }
                : cmdlet.GetVariableValue("VerbosePreference") is ActionPreference preference &&
                  preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
        }

        public bool IsVerbose { get; }

        public void Verbose(string message) => _pump.Post(() => _cmdlet.WriteVerbose(message));

        public void Warning(string message) => _pump.Post(() => _cmdlet.WriteWarning(message));

        public void Progress(OperationProgress progress)
        {
            lock (_gate)
            {
                var now = _clock.ElapsedMilliseconds;
                if (progress.Completed ? !_progressShown : now < QuietMilliseconds || now - _lastProgress < IntervalMilliseconds)
                {
                    return;
                }

                _lastProgress = now;
                _progressShown = !progress.Completed;
            }

            var record = new ProgressRecord(_activityId, progress.Activity, progress.Status)
            {
                PercentComplete = progress.PercentComplete,
                RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            _pump.Post(() => _cmdlet.WriteProgress(record));
        }
    }
}
