"""The review app's learning-loop pages: NLU inbox, intent discovery and model training.

Installed with :func:`bot.review.nlu.setup.setup_nlu`; the logic lives in :mod:`bot.training`,
these modules only check what people send and show what the library returns.
"""
