"""Rasa SDK action server: one module per topic; backend calls go through `backend_client`."""
