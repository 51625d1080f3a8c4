# The Portfolio Advisor stack of seed 000 (docker compose: api, postgres, redis, langfuse), described once.
# Passwords are never written here: each service names the environment variable that holds its password.
@{
    Name     = 'portfolio-advisor'
    Services = @(
        @{
            Name             = 'postgres'
            Kind             = 'Postgres'
            Target           = 'postgres://postgres@localhost:5432/portfolio_advisor'
            PasswordVariable = 'PORTFOLIO_PG_PASSWORD'
            Tags             = 'infrastructure'
        }
        @{
            Name             = 'redis'
            Kind             = 'Redis'
            Target           = 'redis://localhost:6379'
            PasswordVariable = 'PORTFOLIO_REDIS_PASSWORD'
            Tags             = 'infrastructure'
        }
        @{
            Name      = 'api'
            Kind      = 'Http'
            Target    = 'http://localhost:8000/health/ready'
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
