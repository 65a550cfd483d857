"""GraphQL API of viewer personas: personas, persona models, training, campaign audiences."""
