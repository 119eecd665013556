# A webhook receiver that checks every request with `hookline.verify` (pip install hookline,
# or copy src/hookline/verify.py: it needs only the standard library, plus `cryptography`
# for Ed25519 endpoints). Answers 204 to genuine webhooks, 400 to the rest.
# Run: WEBHOOK_SECRET=whsec_... PORT=9000 python3 receiver_hookline_verify.py
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from hookline.verify import VerificationError, verify

SECRET = os.environ["WEBHOOK_SECRET"]  # the endpoint's whsec_... secret (or whpk_... key)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        # Verify the body exactly as received: parsed and re-serialised JSON would not match.
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            verify(body, self.headers, SECRET)
        except VerificationError as exc:
            # The reason says which check failed: a missing header, the timestamp, the signature.
            print("rejected:", exc, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        # webhook-id is the same on every retry of a message: use it to ignore duplicates.
        print("verified", self.headers["webhook-id"], json.dumps(json.loads(body)), flush=True)
        self.send_response(204)
        self.end_headers()


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "9000"))), Receiver).serve_forever()
