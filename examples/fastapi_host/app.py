"""An existing FastAPI service (a tiny order shop) that sends webhooks with Hookline embedded.

Run it with `uvicorn app:app --app-dir examples/fastapi_host` and the usual HOOKLINE_*
settings, HOOKLINE_PUBLIC_URL included: the address of the mounted API, such as
`http://127.0.0.1:8000/webhooks`. Then:

- `/webhooks/api/v1/...` is Hookline's Svix-compatible API (create applications, endpoints
  and event types there, with the svix SDK or curl, and the admin token);
- `POST /orders` is the shop's own route: it publishes `order.created` in-process (no HTTP
  hop) and answers with the order and the message id;
- the delivery worker runs in this process, for its lifetime.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from hookline.embed import Hookline, InvalidInput, NotFound

hookline = Hookline()  # settings from the HOOKLINE_* environment
_order_numbers = itertools.count(1)


@contextlib.asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # A mounted app gets no lifespan of its own: the host's runs Hookline's store and worker.
    async with hookline.lifespan():
        yield


app = FastAPI(title="Order shop", lifespan=lifespan)
app.mount("/webhooks", hookline.app)


class OrderIn(BaseModel):
    # Which of Hookline's applications (one per customer of the shop) hears of the order.
    customer_app: str
    amount: int
    currency: str = "EUR"


class OrderOut(BaseModel):
    order: int
    message_id: str


@app.post("/orders", status_code=201)
async def create_order(order: OrderIn) -> OrderOut:
    number = next(_order_numbers)
    payload = {"order": number, "amount": order.amount, "currency": order.currency}
    try:
        # Committed with its fan-out when this returns: the webhook will go out.
        message = await hookline.publish(
            order.customer_app, "order.created", payload, event_id=f"order-{number}"
        )
    except InvalidInput as refused:  # e.g. the event type's schema refuses the payload
        raise HTTPException(422, refused.detail) from refused
    except NotFound as missing:
        raise HTTPException(404, str(missing)) from missing
    return OrderOut(order=number, message_id=message.id)


@app.get("/health")
async def health() -> dict[str, bool]:
    return {"hookline": hookline.running}
