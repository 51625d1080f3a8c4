# The real-estate AI backend of seed 002 (docker compose: backend, redis, and the database of its reports and
# memories), described once. Passwords are never written here: each service names the environment variable that
# holds its password. Container names the compose container that runs a service.
@{
    Name     = 'realty-backend'
    Services = @(
        @{
            Name             = 'postgres'
            Kind             = 'Postgres'
            Target           = 'postgres://realty@localhost:5432/realty'
            PasswordVariable = 'REALTY_PG_PASSWORD'
            Container        = 'realty-backend-postgres-1'
            Tags             = 'infrastructure'
        }
        @{
            Name             = 'redis'
            Kind             = 'Redis'
            Target           = 'redis://localhost:6379'
            PasswordVariable = 'REALTY_REDIS_PASSWORD'
            Container        = 'realty-backend-redis-1'
            Tags             = 'infrastructure'
        }
        @{
            Name      = 'backend'
            Kind      = 'Http'
            Target    = 'http://localhost:8000/health'
            Container = 'realty-backend-backend-1'
            DependsOn = 'postgres', 'redis'
            Tags      = 'app'
        }
    )
}
