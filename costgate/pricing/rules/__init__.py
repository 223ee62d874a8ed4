"""All pricing rules and known-free types, per provider, gathered into one registry."""

from __future__ import annotations

from functools import lru_cache

from costgate.pricing.registry import Registry
from costgate.pricing.rules import aws, azure, google


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """The built-in registry (built once; ``Registry`` rejects duplicate or free+priced types)."""
    return Registry(
        (*aws.RULES, *azure.RULES, *google.RULES),
        aws.FREE | azure.FREE | google.FREE | aws.FREE_NON_CLOUD,
    )
