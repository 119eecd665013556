# A webhook receiver that checks every request with the `standardwebhooks`
# library (pip install standardwebhooks): 204 for genuine webhooks, 400 else.
# Run: WEBHOOK_SECRET=whsec_... PORT=9000 python receiver_standardwebhooks.py
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

# The endpoint's signing secret, whsec_...
webhook = Webhook(os.environ["WEBHOOK_SECRET"])


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        # Verify the body exactly as received: re-serialised JSON would not
        # match the signature.
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            payload = webhook.verify(body, dict(self.headers))
        except WebhookVerificationError as exc:
            print("rejected:", exc, flush=True)
            self.send_response(400)
            self.end_headers()
            return
        # webhook-id is the same on every retry: use it to skip duplicates.
        msg_id = self.headers["webhook-id"]
        print("verified", msg_id, json.dumps(payload), flush=True)
        self.send_response(204)
        self.end_headers()


port = int(os.environ.get("PORT", "9000"))
HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
