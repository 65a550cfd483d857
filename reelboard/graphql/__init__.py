"""Reelboard's brand-scoped GraphQL API (types, filters, ordering, queries, mutations)."""
