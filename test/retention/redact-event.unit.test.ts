import { describe, expect, it } from "vitest";
import { emailHash, redactedEmail } from "../../src/retention/email-hash";
import { redactEvent } from "../../src/retention/redact-event";

const person = { email: "ada@example.com", salt: "a-test-salt-of-some-length" };
const marker = async (email: string) => redactedEmail(await emailHash(person.salt, email));

const order = {
  specversion: "1.0",
  id: "0190-event",
  type: "order.paid",
  subject: "orders/100045",
  data: {
    order_id: "100045",
    customer: { id: "5512", email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" },
    total: { amount_minor: 11485, currency: "EUR" },
    line_items: [{ sku: "TEE-BLK-M", name: "Black tee, M", quantity: 2 }],
  },
};

describe("redactEvent on the person's own event", () => {
  it("replaces e-mail fields by their hash marker and names by null, keeping ids, amounts and products", async () => {
    const redacted = await redactEvent(order, person, true);
    expect(redacted).toEqual({
      ...order,
      data: {
        ...order.data,
        customer: { id: "5512", email: await marker("ada@example.com"), first_name: null, last_name: null },
      },
    });
  });

  it("hashes whatever address the event holds (an older address of the same customer id)", async () => {
    const older = { data: { customer_id: "5512", email: "ada.old@example.com", first_name: "Ada" } };
    expect(await redactEvent(older, person, true)).toEqual({
      data: { customer_id: "5512", email: await marker("ada.old@example.com"), first_name: null },
    });
  });

  it("does not change its input", async () => {
    const copy = structuredClone(order);
    await redactEvent(order, person, true);
    expect(order).toEqual(copy);
  });
});

describe("redactEvent on someone else's event", () => {
  it("replaces only mentions of the address, in any case, and leaves the owner's details", async () => {
    const event = {
      data: {
        customer: { email: "linus@example.com", first_name: "Linus" },
        note: "Gift for ADA@example.com, cc Ada@Example.com",
      },
    };
    const mention = await marker("ada@example.com");
    expect(await redactEvent(event, person, false)).toEqual({
      data: {
        customer: { email: "linus@example.com", first_name: "Linus" },
        note: `Gift for ${mention}, cc ${mention}`,
      },
    });
  });

  it("treats the address literally, not as a pattern", async () => {
    const dotted = { email: "a.b@example.com", salt: person.salt };
    const event = { data: { note: "axb@example.com" } };
    expect(await redactEvent(event, dotted, false)).toEqual(event);
  });
});
