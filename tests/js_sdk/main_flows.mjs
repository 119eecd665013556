// The main flows of the Svix JavaScript SDK against a running Hookline, run as
// `node main_flows.mjs SERVER_URL TOKEN RECEIVER_URL`. It prints one JSON object: what it made
// and read, for tests/e2e/test_sdk_js.py to check; the deliveries are verified by the test,
// which owns the receiver.
import { readFileSync } from "node:fs";

import { MessageStatus, Svix } from "svix";

const [serverUrl, token, receiverUrl] = process.argv.slice(2);
const NEW_SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// serverUrl points the SDK at Hookline instead of api.svix.com (or the region a Svix token
// names); no client-side retries, so that every answer is seen as it is.
const svix = new Svix(token, { serverUrl, retryScheduleInMs: [] });

async function attemptsOf(app, msg, count) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = await svix.messageAttempt.listByMsg(app, msg);
    if (page.data.length >= count) return page.data;
    if (Date.now() > deadline) throw new Error(`${msg}: ${page.data.length} attempts after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/svix/package.json", import.meta.url)),
).version;
const out = { sdkVersion };

// Applications
const app = await svix.application.create({ name: "SDK js", uid: "sdk-js" });
const again = await svix.application.getOrCreate({ name: "Other", uid: "sdk-js" });
const renamed = await svix.application.update(app.id, { name: "SDK js renamed" });
const patched = await svix.application.patch(app.id, { metadata: { line: "js" } });
out.app = {
  id: app.id,
  uid: app.uid,
  getOrCreateId: again.id,
  renamed: renamed.name,
  metadata: patched.metadata,
  gotByUid: (await svix.application.get("sdk-js")).id,
  listed: (await svix.application.list()).data.some((a) => a.id === app.id),
  createdAtIsDate: app.createdAt instanceof Date,
};
// The SDK appends `/api/v1/…` to serverUrl as given: one that ends in "/" asks for `//api/…`.
const slashed = new Svix(token, { serverUrl: `${serverUrl}/`, retryScheduleInMs: [] });
out.app.gotWithTrailingSlash = (await slashed.application.get(app.id)).id;

// Event types
await svix.eventType.create({ name: "invoice.paid", description: "An invoice was paid" });
await svix.eventType.patch("invoice.paid", { description: "Paid" });
out.eventType = {
  description: (await svix.eventType.get("invoice.paid")).description,
  listed: (await svix.eventType.list()).data.some((t) => t.name === "invoice.paid"),
};

// Endpoints
const ep = await svix.endpoint.create(app.id, {
  url: `${receiverUrl}/js`,
  filterTypes: ["invoice.paid"],
  uid: "js-endpoint",
});
const other = await svix.endpoint.create(app.id, {
  url: `${receiverUrl}/js-other`,
  filterTypes: ["something.else"],
});
await svix.endpoint.patch(app.id, ep.id, { description: "patched" });
await svix.endpoint.updateHeaders(app.id, ep.id, { headers: { "X-Line": "js" } });
const updated = await svix.endpoint.update(app.id, other.id, {
  url: `${receiverUrl}/js-other`,
  filterTypes: ["something.other"],
});
const got = await svix.endpoint.get(app.id, "js-endpoint");
out.endpoint = {
  id: ep.id,
  other: other.id,
  filterTypes: got.filterTypes,
  description: got.description,
  headers: (await svix.endpoint.getHeaders(app.id, ep.id)).headers,
  otherFilterTypes: updated.filterTypes,
  listed: (await svix.endpoint.list(app.id)).data.map((e) => e.id).sort(),
};
const secret = (await svix.endpoint.getSecret(app.id, ep.id)).key;

// Messages and attempts
const msg = await svix.message.create(app.id, {
  eventType: "invoice.paid",
  payload: { invoice: "inv_1" },
  eventId: "e1",
});
const first = await attemptsOf(app.id, msg.id, 1);
const attempt = await svix.messageAttempt.get(app.id, msg.id, first[0].id);
const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, ep.id, {
  status: MessageStatus.Success,
});
out.message = {
  id: msg.id,
  payloadRead: (await svix.message.get(app.id, "e1")).payload,
  listed: (await svix.message.list(app.id)).data.map((m) => m.id),
  attemptEndpoint: attempt.endpointId,
  attemptStatus: attempt.status,
  attemptCode: attempt.responseStatusCode,
  successfulAttemptsOfEndpoint: byEndpoint.data.map((a) => a.id),
  destinations: (await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data.map(
    (d) => d.id,
  ),
};
try {
  await svix.message.create(app.id, { eventType: "invoice.paid", payload: {}, eventId: "e1" });
  out.message.duplicateEventId = "accepted";
} catch (err) {
  out.message.duplicateEventId = err.code;
}

// Resend
await svix.messageAttempt.resend(app.id, msg.id, ep.id);
out.resendAttempts = (await attemptsOf(app.id, msg.id, 2)).length;

// Secrets: rotation to a given key
await svix.endpoint.rotateSecret(app.id, ep.id, { key: NEW_SECRET });
const rotated = (await svix.endpoint.getSecret(app.id, ep.id)).key;
const after = await svix.message.create(app.id, {
  eventType: "invoice.paid",
  payload: { invoice: "inv_2" },
});
await attemptsOf(app.id, after.id, 1);
out.secrets = { before: secret, after: rotated, messageAfter: after.id };

console.log(JSON.stringify(out));
