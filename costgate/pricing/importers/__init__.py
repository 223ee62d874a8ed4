"""Importers: one module per raw price format, each yielding normalised PriceRecords.

An importer is a module-level function ``iter_records(path: Path, root: Path) ->
Iterator[PriceRecord]`` that streams one source file (``root`` is the sources root, used to
record ``provenance.source_file`` relative to it). Importers raise
``costgate.errors.PricingDataError`` naming the file and the problem for corrupt, truncated or
wrong-format input. The list of staged sources and which importer reads each is explicit, in
``costgate/pricing/sources.py``.
"""
