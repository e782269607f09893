"""The review app: the CX team reads transcripts, tags and annotates them, and watches service
quality on a dashboard. aiohttp + Jinja2 (autoescaping) over the CX log store; see
:mod:`bot.review.app` for the factory and its extension point."""
