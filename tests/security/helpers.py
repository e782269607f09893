"""Helpers the REST channel's security tests share: its webhook and what Rasa's tracker kept."""

from __future__ import annotations

import requests

from bot.testing.processes import ServerProcess, api_url


def webhook(rasa: ServerProcess) -> str:
    return rasa.health_url.replace("/status", "/webhooks/rest/webhook")


def user_events(rasa: ServerProcess, sender: str) -> list[dict]:
    url = api_url(rasa, f"/conversations/{sender}/tracker")
    events = requests.get(url, timeout=30).json().get("events") or []
    return [event for event in events if event["event"] == "user"]
