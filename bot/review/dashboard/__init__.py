"""The dashboard: the numbers for a date range (:mod:`.numbers` queries, :mod:`.metrics` turns
counts into rates) and the flow funnels."""
