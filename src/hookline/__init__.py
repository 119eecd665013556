"""Hookline: self-hosted webhook delivery with a Svix-compatible API."""

__version__ = "0.1.0"
