"""Deployment profiles: configuration for the load balancer of the scale-out profile."""
