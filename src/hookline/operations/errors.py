"""The errors operations raise for the caller to show: neutral, so that the API answers them
as its 422 and a page shows them beside the form field."""

from __future__ import annotations


class InvalidInput(ValueError):
    """What the caller gave cannot be used. `field` names it as the caller spelled it
    (`url`, `signatureScheme`), dotted for a field inside another (`tls.client_cert`)."""

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.field.split(".")) if self.field else ()


class PublishFailed(Exception):
    """Publishing failed for a reason that is not the caller's (a bug, a misconfiguration).
    It has been logged and reported to the health route already: the caller answers a plain
    server error without logging it again."""
