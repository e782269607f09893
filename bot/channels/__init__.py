"""Rasa input channels hardened for a public website: validated input, rate limits."""
