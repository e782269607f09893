"""What only the test suites share: the bad-input corpus (bot/testing starts the servers)."""
