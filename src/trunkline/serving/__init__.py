"""How ``trunkline serve`` meets the network: inbound limits, workers (docs/performance.md)."""
