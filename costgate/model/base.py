"""Base class for the frozen pydantic models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    """Immutable, strict-keyed model: what is serialised or shared between layers."""

    model_config = ConfigDict(frozen=True, extra="forbid")
