# A webhook receiver that checks every request with `hookline.verify`
# (install Hookline from its checkout, or copy src/hookline/verify.py: it
# needs only the standard library, and `cryptography` for Ed25519 endpoints).
# 204 for genuine webhooks, 400 else.
# Run: WEBHOOK_SECRET=whsec_... PORT=9000 python receiver_hookline_verify.py
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from hookline.verify import VerificationError, verify

# The endpoint's signing secret, whsec_... (or its whpk_... public key)
SECRET = os.environ["WEBHOOK_SECRET"]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        # Verify the body exactly as received: re-serialised JSON would not
        # match the signature.
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            verify(body, self.headers, SECRET)
        except VerificationError as exc:
            # Says which check failed: a header, the timestamp, the signature.
            print("rejected:", exc, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        # webhook-id is the same on every retry: use it to skip duplicates.
        msg_id = self.headers["webhook-id"]
        print("verified", msg_id, json.dumps(json.loads(body)), flush=True)
        self.send_response(204)
        self.end_headers()


port = int(os.environ.get("PORT", "9000"))
HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
