import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env";
import { redactCompletedErasures } from "../../src/retention/redact-erasures";
import { injectFault, resetEmulator } from "../support/emulator";
import { deliveriesOf, eventRow, settled, snapshot, storedText } from "../support/stored-events";
import { waitFor } from "../support/wait";
import { kooomoErasure, kooomoOrder, send } from "./payloads";

// An erasure is carried out only once all its reactions succeeded: the downstream deletion may still need
// the address (an operator retries a dead one), and it must not be lost if the deletion never happens.

const bridgeEnv = env as unknown as Env;
const nothing = { erasures: 0, completed: 0, events: 0 };

beforeEach(resetEmulator);

describe("erasure requests whose reactions have not all succeeded", () => {
  it("redact nothing while their deletion is dead-lettered", async () => {
    await injectFault({ match: { pathPrefix: "/data-deletion-requests" }, status: 400, times: 1 });
    const order = await send("kooomo", kooomoOrder("300001", { id: 7001, email: "carol@example.com" }));
    const request = await send("kooomo", kooomoErasure("carol-erasure", 7001, "carol@example.com"));
    await settled(order);
    expect((await settled(request)).status).toBe("failed");
    const before = await Promise.all([snapshot(order), snapshot(request)]);

    expect(await redactCompletedErasures(bridgeEnv, Date.now())).toEqual(nothing);
    expect(await Promise.all([snapshot(order), snapshot(request)])).toEqual(before);
    expect(await storedText(order)).toContain("carol@example.com");
  });

  it("redact nothing while their deletion still waits for its turn", async () => {
    // The previous test used Ometria's deletion slot: this request is paced ~10 s later, so it is in progress.
    const order = await send("kooomo", kooomoOrder("300002", { id: 7002, email: "dave@example.com" }));
    const request = await send("kooomo", kooomoErasure("dave-erasure", 7002, "dave@example.com"));
    await settled(order);
    const [deletion] = await waitFor(
      () => deliveriesOf(request),
      (rows) => rows.length === 1,
      { what: "the deletion to be planned" },
    );
    expect(deletion?.status).toBe("pending");
    expect((await eventRow(request)).status).toBe("processing");

    expect(await redactCompletedErasures(bridgeEnv, Date.now())).toEqual(nothing);
    expect(await storedText(order)).toContain("dave@example.com");
    expect((await eventRow(request)).redacted_at).toBeNull();
  });
});
