"""GraphQL API of analytics: the KPI dictionary, KPI sets, pacing, alerts and reports."""
