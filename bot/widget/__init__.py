"""The website chat widget: its script and styles, its websocket gateway to Rasa, the demo page."""
