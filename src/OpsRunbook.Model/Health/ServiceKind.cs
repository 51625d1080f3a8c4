namespace OpsRunbook
{
    /// <summary>How a service is probed.</summary>
    public enum ServiceKind
    {
        /// <summary>GET an HTTP(S) endpoint; a readiness JSON body is read into components.</summary>
        Http,
        /// <summary>Connect to PostgreSQL and run SELECT 1.</summary>
        Postgres,
        /// <summary>PING a Redis server and read its memory use.</summary>
        Redis,
        /// <summary>Open a TCP connection.</summary>
        Tcp,
        /// <summary>Read the TLS certificate an endpoint presents.</summary>
        Tls,
        /// <summary>Inspect a Docker container: its state, HEALTHCHECK and restarts.</summary>
        Container,
        /// <summary>Read the used and free space of the file system that holds a path.</summary>
        Disk,
    }
}
