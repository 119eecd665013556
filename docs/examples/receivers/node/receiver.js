// A webhook receiver that checks every request with the `standardwebhooks`
// npm package: 204 for genuine webhooks, 400 else.
// Run: WEBHOOK_SECRET=whsec_... PORT=9000 node receiver.js
import http from "node:http";
import { Webhook } from "standardwebhooks";

// The endpoint's signing secret, whsec_...
const webhook = new Webhook(process.env.WEBHOOK_SECRET);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    // Verify the body exactly as received: re-serialised JSON would not
    // match the signature.
    const body = Buffer.concat(chunks).toString("utf8");
    let payload;
    try {
      payload = webhook.verify(body, req.headers);
    } catch (err) {
      console.log("rejected:", err.message);
      res.writeHead(400).end();
      return;
    }
    // webhook-id is the same on every retry: use it to skip duplicates.
    const msgId = req.headers["webhook-id"];
    console.log("verified", msgId, JSON.stringify(payload));
    res.writeHead(204).end();
  });
});
server.listen(Number(process.env.PORT || 9000), "127.0.0.1");
