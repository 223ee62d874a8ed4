"""The synthetic benchmark plan is a valid plan with the promised mix (bench/gen_plan.py)."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType

from costgate.model.resource import Action
from costgate.parse.loader import parse_document

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "gen_plan.py"


def _gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("costgate_bench_gen_plan", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_plan_has_the_promised_mix() -> None:
    gen = _gen()
    doc = gen.generate_plan(600, seed=3)
    assert doc == gen.generate_plan(600, seed=3)  # deterministic
    parsed = parse_document(json.loads(json.dumps(doc), parse_float=Decimal), "gen")
    assert len(parsed.changes) == 600
    assert len({c.key for c in parsed.changes}) == 600  # unique addresses
    assert set(Counter(c.action for c in parsed.changes)) == {
        Action.CREATE,
        Action.UPDATE,
        Action.REPLACE,
        Action.DELETE,
        Action.NOOP,
    }
    assert {c.type for c in parsed.changes} == set(gen.TYPES)
    sides = [c.after or c.before for c in parsed.changes]
    assert any(s and s.module_address and "module.db" in s.module_address for s in sides)
    assert {type(s.index) for s in sides if s} == {int, str, type(None)}
    assert any(s and s.unknown for s in sides)
    assert {s.region for s in sides if s} == {"eu-west-1", "us-east-1"}  # var.region + alias
