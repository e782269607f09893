"""What every page family of the review app stands on: the request's state (settings, database,
who is signed in), HTML rendering and the navigation, roles, form fields, the review tables, and
the words for outcomes and dashboard numbers. Imports nothing else of :mod:`bot.review`."""
