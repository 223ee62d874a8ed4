"""Pricing: the price snapshot, its importers and store, and the per-resource pricing rules."""
