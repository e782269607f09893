"""Reference commerce backend: the order system the assistant's actions call.

It implements the contract in docs/backend-api.md (machine-readable: openapi.yaml) so the
assistant can be tested for real and a company can see exactly what its own backend must offer.
"""
