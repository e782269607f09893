"""Turning data and conversation logs into models: fingerprints, training, gating, promotion."""
