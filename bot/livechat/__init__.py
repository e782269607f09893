"""Live chat: the website widget's gateway to Rasa, the handoff to a human agent and the agent
inbox, installed into the review app's process by :func:`bot.livechat.setup.setup_livechat`."""
