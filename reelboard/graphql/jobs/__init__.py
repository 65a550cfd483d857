"""GraphQL API of background jobs: ``job(id)``, the job a training or sync mutation answers."""
