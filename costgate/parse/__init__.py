"""Readers: Terraform plan / state JSON → :class:`costgate.model.resource.ParsedInput`.

Use :func:`costgate.parse.loader.load_input`; see ``docs/plan-input.md`` for behaviour.
"""
