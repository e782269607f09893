"""The conversations the benchmarks hold: ours (issue 17) and the stock `rasa init` moodbot's."""

from __future__ import annotations

# Greeting, an order lookup whose action calls the backend, the e-mail that lookup asks for, an
# FAQ answered by the response selector, thanks.
OURS = [
    [
        "hi",
        "where is my order 10001",
        "alex.kim@example.com",
        "how long does a refund take",
        "thanks",
    ],
]
# The moodbot's own happy and sad paths.
STOCK = [
    ["hi", "I am sad", "yes", "bye"],
    ["hello", "great", "are you a bot?", "goodbye"],
]
WORKLOADS = {"ours": OURS, "stock": STOCK}
