# The Multi-Agent RAG Orchestrator stack of seed 003 (docker compose, eleven services), described once.
# Passwords are never written here: each service names the environment variable that holds its password.
# Configuration lists the files a restore point keeps (paths relative to this file); Container names the compose
# container, which New-RollbackPoint records (image and settings) and Invoke-Rollback recreates.
@{
    Name          = 'rag-orchestrator'
    Configuration = @('./docker-compose.yml', './.env')
    Services      = @(
        @{ Name = 'postgres'; Kind = 'Postgres'; Target = 'postgres://postgres@localhost:5432/postgres'; PasswordVariable = 'RAG_PG_PASSWORD'; Container = 'rag-orchestrator-postgres-1'; Tags = 'data' }
        @{ Name = 'redis'; Kind = 'Redis'; Target = 'redis://localhost:6379'; PasswordVariable = 'RAG_REDIS_PASSWORD'; Container = 'rag-orchestrator-redis-1'; Tags = 'data' }
        @{ Name = 'qdrant'; Kind = 'Http'; Target = 'http://localhost:6333/health'; Container = 'rag-orchestrator-qdrant-1'; Tags = 'data' }
        @{ Name = 'ollama'; Kind = 'Http'; Target = 'http://localhost:11434/api/tags'; Container = 'rag-orchestrator-ollama-1'; Tags = 'llm' }
        @{ Name = 'jan'; Kind = 'Http'; Target = 'http://localhost:1337/v1/models'; Container = 'rag-orchestrator-jan-1'; Tags = 'llm' }
        @{ Name = 'mcp-filesystem'; Kind = 'Tcp'; Target = 'tcp://localhost:3001'; Container = 'rag-orchestrator-mcp-filesystem-1'; Tags = 'mcp' }
        @{ Name = 'mcp-git'; Kind = 'Tcp'; Target = 'tcp://localhost:3002'; Container = 'rag-orchestrator-mcp-git-1'; Tags = 'mcp' }
        @{ Name = 'mcp-memory'; Kind = 'Tcp'; Target = 'tcp://localhost:3003'; Container = 'rag-orchestrator-mcp-memory-1'; Tags = 'mcp' }
        @{ Name = 'fastapi'; Kind = 'Http'; Target = 'http://localhost:8000/health/ready'; Container = 'rag-orchestrator-fastapi-1'; DependsOn = 'postgres', 'redis', 'qdrant'; Tags = 'app' }
        @{ Name = 'prometheus'; Kind = 'Http'; Target = 'http://localhost:9090/-/ready'; Container = 'rag-orchestrator-prometheus-1'; Tags = 'monitoring' }
        @{ Name = 'grafana'; Kind = 'Http'; Target = 'http://localhost:3000/api/health'; Container = 'rag-orchestrator-grafana-1'; DependsOn = 'prometheus'; Tags = 'monitoring' }
    )
}
