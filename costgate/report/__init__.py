"""Renderers: pure functions of an Estimate (table, JSON), chosen by OutputFormat."""
