"""Business logic that writes: plain functions with keyword-only arguments.

Each service validates everything first (raising ``ServiceValidationError`` with typed field
errors) and then writes inside one transaction, so nothing is ever half written.
"""
