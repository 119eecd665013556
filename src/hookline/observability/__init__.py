"""Metrics, logs and health probes. The API and the worker call in; nothing here calls out to
them (only to the settings, the types and the store's gauge queries)."""
