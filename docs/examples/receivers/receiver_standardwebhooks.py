# A webhook receiver that checks every request with the `standardwebhooks` library
# (pip install standardwebhooks) and answers 204 to genuine webhooks, 400 to the rest.
# Run: WEBHOOK_SECRET=whsec_... PORT=9000 python3 receiver_standardwebhooks.py
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["WEBHOOK_SECRET"])  # the endpoint's whsec_... secret


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        # Verify the body exactly as received: parsed and re-serialised JSON would not match.
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            payload = webhook.verify(body, dict(self.headers))
        except WebhookVerificationError as exc:
            print("rejected:", exc, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        # webhook-id is the same on every retry of a message: use it to ignore duplicates.
        print("verified", self.headers["webhook-id"], json.dumps(payload), flush=True)
        self.send_response(204)
        self.end_headers()


HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "9000"))), Receiver).serve_forever()
