# agent-node of seed 004 (systemd, Prometheus), described once: its health endpoint and its database. Passwords are
# never written here: each service names the environment variable that holds its password.
@{
    Name     = 'agent-node'
    Services = @(
        @{
            Name             = 'database'
            Kind             = 'Postgres'
            Target           = 'postgres://agent@localhost:5432/agent'
            PasswordVariable = 'AGENT_PG_PASSWORD'
            Tags             = 'infrastructure'
        }
        @{
            Name      = 'agent-node'
            Kind      = 'Http'
            Target    = 'http://localhost:3000/health'
            DependsOn = 'database'
            Tags      = 'app'
        }
    )
}
