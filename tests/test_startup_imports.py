"""Start-up stays cheap: what ``costgate`` imports before it knows which command runs.

Structural, not timed: a fresh interpreter imports the CLI (and builds parsers) and we look
at ``sys.modules``. Heavy libraries load only in the handlers that use them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("requests", "urllib3", "git", "hcl2", "lark", "rich", "yaml", "multiprocessing",
         "concurrent.futures.process")


def _loaded(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which modules actually executed."""
    probe = (
        "import sys, json, importlib.util\n"
        f"{code}\n"
        "names = sys.argv[1:]\n"
        "def ran(n):\n"
        "    m = sys.modules.get(n)\n"
        "    return m is not None and type(m).__name__ != '_LazyModule'\n"
        "print(json.dumps({n: ran(n) for n in names}))\n"
    )
    names = [*HEAVY, "pydantic", "costgate.projects", "costgate.commands.ci",
             "costgate.commands.pricing_update", "costgate.pricing.refresh"]
    out = subprocess.run([sys.executable, "-c", probe, *names], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    result: dict[str, bool] = json.loads(out)
    return result


def test_importing_the_cli_loads_no_command_and_no_library() -> None:
    loaded = _loaded("import costgate.cli")
    assert [n for n, ran in loaded.items() if ran] == []


def test_the_full_parser_loads_no_heavy_library() -> None:
    loaded = _loaded("import costgate.cli\ncostgate.cli.build_parser()")
    assert [n for n in HEAVY if loaded[n]] == []
    assert not loaded["costgate.projects"] and not loaded["costgate.pricing.refresh"]


@pytest.mark.parametrize("command", ["breakdown", "diff", "usage"])
def test_an_estimate_command_registers_only_its_group(command: str) -> None:
    loaded = _loaded(f"import costgate.cli\ncostgate.cli.build_parser({command!r})")
    assert not loaded["costgate.commands.ci"]
    assert not loaded["costgate.commands.pricing_update"]
    assert [n for n in HEAVY if loaded[n]] == []


def test_the_selected_parser_matches_the_full_one() -> None:
    """Registering one group gives the same subcommand parser as registering all of them."""
    from costgate.cli import build_parser

    def flags(parser: object, name: str) -> list[str]:
        sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
        return sorted(o for a in sub.choices[name]._actions for o in a.option_strings)

    full = build_parser()
    for name in ("breakdown", "diff", "usage", "pricing", "ci", "comment"):
        assert flags(build_parser(name), name) == flags(full, name)


def test_constants_copied_to_keep_start_up_light_agree_with_their_sources() -> None:
    from costgate.commands import pricing_update
    from costgate.pricing import refresh

    assert pricing_update.PROVIDERS == refresh.PROVIDERS


def test_lazy_modules_behave_like_modules() -> None:
    from costgate.commands import gitdiff
    from costgate.commands._lazy import lazy_module

    assert gitdiff.proj.find_config is not None  # first use loads it
    assert lazy_module("costgate.projects") is sys.modules["costgate.projects"]
    with pytest.raises(ImportError):
        lazy_module("costgate.no_such_module")
