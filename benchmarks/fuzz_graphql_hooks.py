"""Schemathesis hooks for fuzz_graphql.py: strategies for the schema's custom scalars (loaded through
SCHEMATHESIS_HOOKS; schemathesis cannot generate values for a scalar it does not know)."""

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Decimal (money amounts) travels as a string: valid amounts, negative and over-precise ones, and junk.
schemathesis.graphql.scalar("Decimal", st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**12).map(str),
    st.sampled_from(["1e400", "-0.001", "NaN", "Infinity", "", "12,5"]),
    st.text(max_size=12),
).map(nodes.String))
