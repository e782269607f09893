"""The review app: the CX team reads transcripts, tags and annotates them, and watches service
quality on a dashboard. aiohttp + Jinja2 (autoescaping) over the CX log store.

One subpackage per page family, each standing on :mod:`.common`: :mod:`.auth` (whose guards
the others use), :mod:`.conversations`, :mod:`.dashboard` (which reads the conversation filters)
and :mod:`.nlu`. :mod:`bot.review.app` composes them (the factory and its extension point);
:mod:`bot.review.commands` is the CLI."""
