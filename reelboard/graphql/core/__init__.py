"""Cross-domain pieces of the GraphQL API: errors, permissions, ids, limits, extensions, audit, execution."""
