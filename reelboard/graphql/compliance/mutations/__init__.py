"""Compliance mutations, one module per group; each resolver decodes ids and calls one service."""

from __future__ import annotations

from strawberry.tools import merge_types

from reelboard.graphql.compliance.mutations.brand_rules import BrandRuleMutation

ComplianceMutation = merge_types("ComplianceMutation", (BrandRuleMutation,))
