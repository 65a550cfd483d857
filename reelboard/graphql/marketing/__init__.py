"""GraphQL API of marketing: brands, videos, campaigns, viewers, interactions, API tokens, ingestion."""
