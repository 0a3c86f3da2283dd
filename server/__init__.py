"""The self-hosted HTTP API over a model bundle (docs/server.md)."""
