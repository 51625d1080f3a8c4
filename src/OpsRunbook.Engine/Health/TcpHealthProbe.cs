using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using OpsRunbook.Engine.Connections;

namespace OpsRunbook.Engine.Health
{
    /// <summary>Healthy when a TCP connection opens.</summary>
    internal sealed class TcpHealthProbe : HealthProbe
    {
        private readonly HostEndpoint _endpoint;

        public TcpHealthProbe(HostEndpoint endpoint)
        {
            _endpoint = endpoint;
        }

        public override ServiceKind Kind => ServiceKind.Tcp;

        public override string DisplayTarget => "tcp://" + _endpoint;

        public override string DefaultName => _endpoint.ToString();

        public override IEnumerable<string?> Secrets => Enumerable.Empty<string?>();

        public override async Task<ProbeOutcome> ProbeAsync(ProbeContext context, CancellationToken cancellationToken)
        {
            using var socket = await Connect(_endpoint, cancellationToken).ConfigureAwait(false);
            return ProbeOutcome.Healthy();
        }

        internal static Task<Socket> Connect(HostEndpoint endpoint, CancellationToken cancellationToken) =>
            TcpConnector.ConnectAsync(endpoint, cancellationToken);
    }
}
