"""Schemathesis hooks for fuzz_graphql.py: strategies for the schema's custom scalars (loaded through
SCHEMATHESIS_HOOKS; schemathesis cannot generate values for a scalar it does not know) and an argument
dictionary for ``ID``, so generated operations reach the resolvers instead of stopping at id decoding.

``ID`` values: real ids of the demo world (the fuzzing token's brand and another brand's, read from the JSON
file named by ``REELBOARD_FUZZ_IDS``, which fuzz_graphql.py writes), the malformed ids every id argument must
answer with a typed client error (docs/integrator/ids-and-errors.md), and arbitrary text.
"""

import base64
import json
import os

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# Decimal (money amounts) travels as a string: valid amounts, negative and over-precise ones, and junk.
schemathesis.graphql.scalar("Decimal", st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**6, max_value=10**12).map(str),
    st.sampled_from(["1e400", "-0.001", "NaN", "Infinity", "", "12,5"]),
    st.text(max_size=12),
).map(nodes.String))


def _global_id(type_name: str, node_id: str) -> str:
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


MALFORMED_IDS = [
    "1406", "", "garbage", "-1", _global_id("Membership", "1"), _global_id("Brand", "-1"),
    _global_id("Video", "abc"), _global_id("Brand", "999999999"), _global_id("Video", "99999999999999999999999"),
    "A" * 5000, base64.b64encode(b"\xff\xfe\x00\x81").decode(), "QnJhbmQ6OTk5OTk5", "UGVyc29uYTox",
]


def _demo_ids() -> list[str]:
    path = os.environ.get("REELBOARD_FUZZ_IDS")
    if not path:
        return []
    with open(path) as handle:
        return json.load(handle)


REAL_IDS = _demo_ids()

schemathesis.graphql.scalar("ID", st.one_of(
    *([st.sampled_from(REAL_IDS).map(nodes.String)] * 3 if REAL_IDS else []),  # most cases reach a resolver
    st.sampled_from(MALFORMED_IDS).map(nodes.String),
    st.integers(min_value=-10**6, max_value=10**12).map(nodes.Int),  # an Int literal, coerced to an ID
    st.text(max_size=24).map(nodes.String),
))
