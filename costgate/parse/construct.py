"""Fast construction of frozen models from data the reader has already shaped.

``BaseModel.model_construct`` costs ~10 µs per object in pydantic 2 (alias and default
handling per field); with 10,000 resources that alone would exceed ``json.load`` time. Here
every field is supplied by the caller, so the object is assembled directly. Models with
post-init hooks or private attributes fall back to ``model_construct``; a test checks that
the result equals a validated model, so a pydantic change cannot go unnoticed.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_setattr = object.__setattr__


def construct(cls: type[M], fields: dict[str, Any]) -> M:
    """An instance of ``cls`` holding ``fields`` (which must name every field), unvalidated."""
    if cls.__pydantic_post_init__ or cls.__private_attributes__:  # pragma: no cover
        return cls.model_construct(**fields)
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", fields)
    _setattr(obj, "__pydantic_fields_set__", set(fields))
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj
