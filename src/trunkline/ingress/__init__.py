"""The webhook ingress: ``POST /webhooks/{app}/{token}``, where providers deliver (HTTP only)."""
