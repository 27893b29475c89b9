import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { countEvents, secrets } from "../support/deliveries";

const token = { "x-hookbridge-token": secrets.ometria };

/** A JSON body of exactly `bytes` bytes (ASCII), with a fresh id so it is never a duplicate. */
function jsonOfSize(bytes: number): string {
  const head = JSON.stringify({ id: `size-${crypto.randomUUID()}`, pad: "" });
  return `${head.slice(0, -2)}${"x".repeat(bytes - head.length)}"}`;
}

/** The body as a stream: no Content-Length is sent, so only the bytes themselves can be counted. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + 16 * 1024));
      offset += 16 * 1024;
    },
  });
}

function postOmetria(body: BodyInit, headers: Record<string, string> = {}, bindings?: object) {
  const request = new Request("https://bridge.test/webhooks/ometria", {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...token, ...headers },
  });
  return bindings ? createApp().fetch(request, bindings) : exports.default.fetch(request);
}

async function expectRefused(res: Response, status: number, code: string) {
  const body = await res.json<{ error: { code: string; message: string } }>();
  expect({ status: res.status, code: body.error.code }).toEqual({ status, code });
  expect(body.error.message.length).toBeGreaterThan(0);
}

const big = () => jsonOfSize(1_500_000);

describe("the bytes actually read are counted against the route's limit", () => {
  it("answers 413 to a 1.5 MB body that declares Content-Length: 10, storing nothing", async () => {
    const before = await countEvents();
    await expectRefused(await postOmetria(big(), { "content-length": "10" }), 413, "payload_too_large");
    expect(await countEvents()).toBe(before);
  });

  it("answers 400 to a Content-Length that is not a number (abc), storing nothing", async () => {
    const before = await countEvents();
    await expectRefused(await postOmetria(big(), { "content-length": "abc" }), 400, "invalid_content_length");
    await expectRefused(
      await postOmetria(jsonOfSize(200), { "content-length": "-5" }),
      400,
      "invalid_content_length",
    );
    expect(await countEvents()).toBe(before);
  });

  it("answers 413 to a 1.5 MB streamed body without Content-Length, storing nothing", async () => {
    const before = await countEvents();
    const res = await postOmetria(streamOf(big()));
    await expectRefused(res, 413, "payload_too_large");
    expect(await countEvents()).toBe(before);
  });

  describe("on a route limited to 4096 bytes", () => {
    const routes = env.ROUTES as Record<string, Record<string, unknown>>;
    const small = { ...env, ROUTES: { ...routes, ometria: { ...routes.ometria, max_body_bytes: 4096 } } };

    it("accepts a body of exactly the limit, declared or streamed", async () => {
      const declared = await postOmetria(jsonOfSize(4096), {}, small);
      expect(declared.status, await declared.clone().text()).toBe(202);
      const streamed = await postOmetria(streamOf(jsonOfSize(4096)), {}, small);
      expect(streamed.status, await streamed.clone().text()).toBe(202);
    });

    it("refuses one byte more, whatever Content-Length says", async () => {
      const before = await countEvents();
      const lies: Record<string, string>[] = [{}, { "content-length": "10" }, { "content-length": "4096" }];
      for (const headers of lies) {
        await expectRefused(await postOmetria(jsonOfSize(4097), headers, small), 413, "payload_too_large");
      }
      await expectRefused(await postOmetria(streamOf(jsonOfSize(4097)), {}, small), 413, "payload_too_large");
      expect(await countEvents()).toBe(before);
    });

    it("refuses a declared length over the limit before reading", async () => {
      await expectRefused(
        await postOmetria(jsonOfSize(100), { "content-length": "4097" }, small),
        413,
        "payload_too_large",
      );
    });
  });
});

describe("a body that breaks off in transit", () => {
  // Simulated: in-process a cut body just ends early; test/node/cut-body.test.ts cuts real sockets.
  it("answers 400 body_incomplete when reading the stream fails, storing nothing", async () => {
    const before = await countEvents();
    const bytes = new TextEncoder().encode(jsonOfSize(200));
    const cut = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(bytes.slice(0, 100));
        controller.error(new Error("Network connection lost."));
      },
    });
    await expectRefused(await postOmetria(cut, {}, env), 400, "body_incomplete");
    expect(await countEvents()).toBe(before);
  });
});
