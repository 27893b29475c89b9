// Test-only auxiliary worker (vitest.config.ts): the consumer of the real hookbridge-dead-letters queue. It
// keeps every message it receives so tests can read what the bridge dead-lettered (GET /messages) and start
// from none (POST /reset). Plain JavaScript: auxiliary workers run without a build step.

/** Bodies received, oldest first; this worker's isolate lives as long as the test run. */
let received = [];

export default {
  async queue(batch) {
    for (const message of batch.messages) {
      received.push(message.body);
      message.ack();
    }
  },
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "GET" && pathname === "/messages") return Response.json(received);
    if (request.method === "POST" && pathname === "/reset") {
      received = [];
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  },
};
