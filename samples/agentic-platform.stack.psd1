# The Agentic Platform stack of seed 001 (docker-compose.prod: api, nginx, postgres, redis, backup), described once.
# Passwords are never written here: each service names the environment variable that holds its password.
@{
    Name     = 'agentic-platform'
    Services = @(
        @{
            Name             = 'postgres'
            Kind             = 'Postgres'
            Target           = 'postgres://postgres@localhost:5432/agentic_db'
            PasswordVariable = 'AGENTIC_PG_PASSWORD'
            Container        = 'agentic-postgres-prod'
            Tags             = 'infrastructure'
        }
        @{
            Name             = 'redis'
            Kind             = 'Redis'
            Target           = 'redis://localhost:6379'
            PasswordVariable = 'AGENTIC_REDIS_PASSWORD'
            Container        = 'agentic-redis-prod'
            Tags             = 'infrastructure'
        }
        @{
            Name      = 'api'
            Kind      = 'Http'
            Target    = 'http://localhost:8000/health/ready'
            Container = 'agentic-api-prod'
            DependsOn = 'postgres', 'redis'
            Tags      = 'app'
        }
    )
}
