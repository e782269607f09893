"""Live human handoff: the agent inbox and the service that moves messages between the two sides."""
