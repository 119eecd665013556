// A webhook receiver that checks every request with the `standardwebhooks` npm package
// (npm install standardwebhooks) and answers 204 to genuine webhooks, 400 to the rest.
// Run: WEBHOOK_SECRET=whsec_... PORT=9000 node receiver.js
import http from "node:http";
import { Webhook } from "standardwebhooks";

const webhook = new Webhook(process.env.WEBHOOK_SECRET); // the endpoint's whsec_... secret

http
  .createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      // Verify the body exactly as received: parsed and re-serialised JSON would not match.
      const body = Buffer.concat(chunks).toString("utf8");
      let payload;
      try {
        payload = webhook.verify(body, req.headers);
      } catch (err) {
        console.log("rejected:", err.message);
        res.writeHead(400).end();
        return;
      }
      // webhook-id is the same on every retry of a message: use it to ignore duplicates.
      console.log("verified", req.headers["webhook-id"], JSON.stringify(payload));
      res.writeHead(204).end();
    });
  })
  .listen(Number(process.env.PORT || 9000), "127.0.0.1");
