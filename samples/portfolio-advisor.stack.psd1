# The Portfolio Advisor stack of seed 000 (docker compose: api, postgres, redis, langfuse), described once.
# Passwords are never written here: each service names the environment variable that holds its password.
# Container names the compose container that runs a service, for Start-ServiceStack and Stop-ServiceStack.
@{
    Name     = 'portfolio-advisor'
    Services = @(
        @{
            Name             = 'postgres'
            Kind             = 'Postgres'
            Target           = 'postgres://postgres@localhost:5432/portfolio_advisor'
            PasswordVariable = 'PORTFOLIO_PG_PASSWORD'
            Container        = 'portfolio-advisor-postgres-1'
            Tags             = 'infrastructure'
        }
        @{
            Name             = 'redis'
            Kind             = 'Redis'
            Target           = 'redis://localhost:6379'
            PasswordVariable = 'PORTFOLIO_REDIS_PASSWORD'
            Container        = 'portfolio-advisor-redis-1'
            Tags             = 'infrastructure'
        }
        @{
            Name      = 'api'
            Kind      = 'Http'
            Target    = 'http://localhost:8000/health/ready'
            Container = 'portfolio-advisor-api-1'
            DependsOn = 'postgres', 'redis'
            Tags      = 'app'
        }
        @{
            Name      = 'api-liveness'
            Kind      = 'Http'
            Target    = 'http://localhost:8000/health'
            DependsOn = 'api'
            Tags      = 'app'
        }
    )
}
