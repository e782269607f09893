"""Promote a gated candidate into the running Rasa servers without a restart, and roll back.

Rasa's HTTP API (``PUT /model``) loads a model file into a running server; conversations
continue because their state lives in the tracker store, not in the model. The live model is
always models/assistant.tar.gz and the one it replaced models/previous.tar.gz, so a rollback is
one swap and one reload. Fingerprints move with the models so ``make run`` does not retrain.
The files themselves are the :class:`bot.training.store.ModelStore`'s.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.training.store import ModelStore


async def load_into_rasa(rasa_urls: list[str], model: Path, token: str = "") -> list[str]:
    """PUT the model into every Rasa node; return each node's new model id."""
    params = {"token": token} if token else {}
    model_ids = []
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for url in rasa_urls:
            body = {"model_file": str(model)}
            async with session.put(f"{url}/model", json=body, params=params) as response:
                if response.status != 204:
                    raise RuntimeError(f"{url} refused the model: {await response.text()}")
            async with session.get(f"{url}/status", params=params) as response:
                model_ids.append((await response.json())["model_id"])
    return model_ids


async def promote(
    store: ModelStore, candidate: Path, rasa_urls: list[str], token: str = "", by: str = "-"
) -> list[str]:
    before = store.live().get("current")
    store.install(candidate)
    try:
        ids = await load_into_rasa(rasa_urls, store.current, token)
    except Exception:
        # Files and servers must keep matching: restore the old model everywhere, nodes that
        # already switched included.
        store.swap_back()
        await load_into_rasa(rasa_urls, store.current, token)
        raise
    store.record(candidate.name, by, "promoted", before)
    return ids


class AlreadyRolledBack(RuntimeError):
    """A rollback is undone by promoting again: a second one would bring back the model that was
    just judged bad."""


async def rollback(
    store: ModelStore, rasa_urls: list[str], token: str = "", by: str = "-"
) -> list[str]:
    live = store.live()
    if live.get("current", {}).get("how") == "rolled back":
        raise AlreadyRolledBack("already rolled back: promote a model to change it again")
    store.swap_back()
    ids = await load_into_rasa(rasa_urls, store.current, token)
    back_to = (live.get("previous") or {}).get("model", store.previous.name)
    store.record(back_to, by, "rolled back", live.get("current"))
    return ids
