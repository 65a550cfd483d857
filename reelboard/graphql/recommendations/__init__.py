"""GraphQL API of recommendations: serving, recommender versions, settings and experiments."""
