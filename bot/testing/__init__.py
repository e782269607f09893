"""The product's own harness for starting its real servers, shared by the test suite and the
benchmarks.

Backend, action server, Rasa and the review app are started exactly as ``make run`` and the
Procfile start them, each on a free loopback port with private databases (``processes``,
``stack``, ``full_stack``); ``review_app`` runs the review app in-process over a migrated CX
database, ``bulk`` seeds a large one, ``project`` copies the Rasa project and names SQLite files.
It lives in the product (not in ``tests/``) so that ``bench/`` can use it without importing the
test suite; nothing else in ``bot/`` imports it.
"""
