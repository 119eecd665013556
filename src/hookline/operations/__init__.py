"""What a user can do, written once: validation, store calls and operational events.

The REST API, the dashboard and the portal call these functions with plain typed values and
get typed rows (store/rows.py) back; they only translate (a request body in, a response or a
page out). Nothing here imports a web framework. What an operation needs from the process
comes in explicitly, as an `OperationContext`.

Reads that decide nothing (get, list) are store calls and need no function here.
"""
