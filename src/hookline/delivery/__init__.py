"""Webhook delivery: HTTP attempts, retries and the SSRF guard."""
