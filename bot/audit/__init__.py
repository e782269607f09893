"""Offline dependency audit (``python -m bot audit``, ``make audit``).

The machines cannot reach a vulnerability service, so installed distributions are matched
against a dated snapshot of the PyPA advisory database; findings that Rasa 3.6's pins keep us
from fixing are allowlisted with their reason, anything else fails the audit.
"""
