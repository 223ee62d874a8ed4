"""Allow ``python -m costgate``."""

from costgate.cli import main

raise SystemExit(main())
