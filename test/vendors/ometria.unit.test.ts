import { describe, expect, it } from "vitest";
import { ometria } from "../../src/vendors/ometria";
import contactUnsubscribed from "../fixtures/ometria/contact-unsubscribed.json";
import customerErasure from "../fixtures/ometria/customer-erasure-requested.json";
import customerUpdated from "../fixtures/ometria/customer-updated.json";
import unknownEvent from "../fixtures/ometria/unknown-event.json";

const { normalize } = ometria;

/** A body as the recommended template renders it, with `contact` fields as given. */
function call(event: string, contact: unknown, extra: Record<string, unknown> = {}) {
  return { id: "ometria-test-1", event, sent_at: "2025-03-18T09:15:00Z", contact, ...extra };
}

function problemsOf(body: unknown): string[] {
  const result = normalize(body);
  if (result.recognized) throw new Error(`expected unrecognized, got ${result.type}`);
  return result.problems;
}

describe("ometria fixtures", () => {
  it("contact.unsubscribed: channel lower-cased, ids as strings", () => {
    expect(normalize(contactUnsubscribed)).toStrictEqual({
      recognized: true,
      type: "contact.unsubscribed",
      vendorEventType: "contact.unsubscribed",
      vendorEventId: "ometria-unsub-5512-20250318T0915",
      time: "2025-03-18T09:15:00Z",
      subject: "customers/5512",
      data: { email: "ada@example.com", customer_id: "5512", channel: "email" },
    });
  });

  it("customer.updated: Jinja's 'true' is consent; a blank channel is ignored", () => {
    expect(normalize(customerUpdated)).toStrictEqual({
      recognized: true,
      type: "customer.updated",
      vendorEventType: "customer.updated",
      vendorEventId: "ometria-update-5512-20250318T1000",
      time: "2025-03-18T10:00:00Z",
      subject: "customers/5512",
      data: {
        customer_id: "5512",
        email: "ada@example.com",
        first_name: "Ada",
        last_name: "Lovelace",
        marketing_consent: true,
      },
    });
  });

  it("customer.erasure_requested: blank merge tags are absent, sent_at is the request time", () => {
    expect(normalize(customerErasure)).toStrictEqual({
      recognized: true,
      type: "customer.erasure_requested",
      vendorEventType: "customer.erasure_requested",
      vendorEventId: "ometria-erasure-5512-20250318T1100",
      time: "2025-03-18T11:00:00Z",
      subject: "customers/5512",
      data: { customer_id: "5512", email: "ada@example.com", requested_at: "2025-03-18T11:00:00Z" },
    });
  });

  it("an unknown event is unrecognized and keeps its name and id", () => {
    expect(normalize(unknownEvent)).toStrictEqual({
      recognized: false,
      vendorEventType: "contact.birthday",
      vendorEventId: "ometria-birthday-5512-20250318",
      problems: ['event: unknown Ometria event "contact.birthday"'],
    });
  });
});

describe("ometria variations", () => {
  it("an unsubscribe identified by e-mail only has no subject", () => {
    const result = normalize(call("contact.unsubscribed", { email: " Ada@Example.com ", customer_id: "" }));
    expect(result).toStrictEqual({
      recognized: true,
      type: "contact.unsubscribed",
      vendorEventType: "contact.unsubscribed",
      vendorEventId: "ometria-test-1",
      time: "2025-03-18T09:15:00Z",
      data: { email: "ada@example.com" },
    });
  });

  it("an unsubscribe identified by customer id only", () => {
    expect(normalize(call("contact.unsubscribed", { customer_id: 5512 }))).toMatchObject({
      recognized: true,
      data: { customer_id: "5512" },
      subject: "customers/5512",
    });
  });

  it.each([
    ["True", true],
    ["False", false],
    ["1", true],
    ["0", false],
    [true, true],
  ])("reads marketing_optin %j as %s", (value, consent) => {
    expect(normalize(call("customer.updated", { customer_id: "1", marketing_optin: value }))).toMatchObject({
      recognized: true,
      data: { customer_id: "1", marketing_consent: consent },
    });
  });

  it("without sent_at the event has no time and the erasure no request time", () => {
    const result = normalize({
      id: "o-1",
      event: "customer.erasure_requested",
      contact: { email: "ada@example.com" },
    });
    expect(result).toStrictEqual({
      recognized: true,
      type: "customer.erasure_requested",
      vendorEventType: "customer.erasure_requested",
      vendorEventId: "o-1",
      data: { email: "ada@example.com" },
    });
  });
});

describe("ometria invalid payloads", () => {
  it("an unsubscribe must say who", () => {
    expect(normalize(call("contact.unsubscribed", { firstname: "Ada", channel: "email" }))).toStrictEqual({
      recognized: false,
      vendorEventType: "contact.unsubscribed",
      vendorEventId: "ometria-test-1",
      problems: ["contact.email: needs email or customer_id"],
    });
  });

  it("a customer update needs the shop's customer id", () => {
    expect(problemsOf(call("customer.updated", { email: "ada@example.com", customer_id: "" }))).toStrictEqual(
      ["contact.customer_id: required"],
    );
  });

  it("an erasure request needs a valid e-mail address", () => {
    expect(problemsOf(call("customer.erasure_requested", { email: "ada(at)example.com" }))).toStrictEqual([
      "contact.email: invalid e-mail address",
    ]);
  });

  it("a template that rendered no contact object", () => {
    expect(problemsOf(call("contact.unsubscribed", undefined))).toStrictEqual([
      expect.stringMatching(/^contact: .*expected object/),
    ]);
  });

  it("a consent value that is not yes/no", () => {
    expect(problemsOf(call("customer.updated", { customer_id: "1", marketing_optin: "None" }))).toStrictEqual(
      ["contact.marketing_optin: expected true/false, 1/0 or yes/no"],
    );
  });

  it("a body without event", () => {
    expect(normalize({ id: "o-2", contact: { email: "ada@example.com" } })).toStrictEqual({
      recognized: false,
      problems: ["event: required"],
    });
  });

  it.each([
    ["null", null],
    ["an array", [contactUnsubscribed]],
    ["a string", "contact.unsubscribed"],
    ["a number", 0],
    ["an empty object", {}],
  ])("%s is unrecognized with a problem, never a throw", (_label, body) => {
    const result = normalize(body);
    expect(result.recognized).toBe(false);
    expect(result.recognized === false && result.problems.length).toBeGreaterThan(0);
  });
});
