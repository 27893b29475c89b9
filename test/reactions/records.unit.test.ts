import { describe, expect, it } from "vitest";
import { balanceOf, createdId, lowestId, userIdByEmail, userIdsByEmail } from "../../src/reactions/records";

describe("reading user records from answers whose shape is not documented", () => {
  const list = {
    status: { status: "OK" },
    users: [
      { id: 7, email: "Ada@Example.com", stamps: 3 },
      { id: "8", Email: "bob@example.com", stamps: "12" },
      { user_id: 9, email: "ada@example.com", stamps: 99 },
      { email: "nobody@example.com" },
    ],
  };

  it("finds a user by e-mail whatever its case, the lowest id of two with one address", () => {
    expect(userIdByEmail(list, "ada@EXAMPLE.com")).toBe("7");
    expect(userIdByEmail(list, "bob@example.com")).toBe("8");
    expect(userIdByEmail(list, "carol@example.com")).toBeUndefined();
    // A record with that e-mail but no id names no user.
    expect(userIdByEmail(list, "nobody@example.com")).toBeUndefined();
  });

  it("lists every user of one e-mail, and picks the lowest id by a fixed rule", () => {
    expect(userIdsByEmail(list, "ADA@example.com")).toEqual(["7", "9"]);
    expect(userIdsByEmail(list, "bob@example.com")).toEqual(["8"]);
    expect(userIdsByEmail(list, "carol@example.com")).toEqual([]);
    // As numbers when both are whole numbers (10 after 9), else as text; the same whatever the order.
    expect(lowestId(["10", "9"])).toBe("9");
    expect(lowestId(["9", "10"])).toBe("9");
    expect(lowestId(["u-b", "u-a"])).toBe("u-a");
    expect(lowestId(["123456789012345678901", "123456789012345678900"])).toBe("123456789012345678900");
    expect(lowestId([])).toBeUndefined();
    const later = {
      users: [
        { id: 12, email: "z@example.com" },
        { id: 11, email: "Z@example.com" },
      ],
    };
    expect(userIdByEmail(later, "z@example.com")).toBe("11");
  });

  it("reads a balance by id, as a number or a string of digits, and nothing else", () => {
    expect(balanceOf(list, "7", "stamps")).toBe(3);
    expect(balanceOf(list, "8", "stamps")).toBe(12);
    expect(balanceOf(list, "9", "stamps")).toBe(99);
    expect(balanceOf(list, "7", "points")).toBeUndefined();
    expect(balanceOf({ users: [{ id: 1, stamps: "1.5" }] }, "1", "stamps")).toBeUndefined();
  });

  it("answers from the same answer object alike on every call, and from a new object afresh", () => {
    const answer = { records: [{ id: 1, email: "a@example.com", stamps: 1 }] };
    expect(userIdByEmail(answer, "a@example.com")).toBe("1");
    expect(balanceOf(answer, "1", "stamps")).toBe(1);
    const next = { records: [...answer.records, { id: 2, email: "b@example.com", stamps: 0 }] };
    expect(userIdByEmail(next, "b@example.com")).toBe("2");
    expect(userIdByEmail(answer, "b@example.com")).toBeUndefined();
    expect(userIdByEmail([{ id: 3, email: "c@example.com" }], "c@example.com")).toBe("3");
    expect(userIdByEmail("not json records", "c@example.com")).toBeUndefined();
  });

  it("names the created user's id, in a record or at the top level", () => {
    expect(createdId({ status: { status: "OK" }, user: { id: 42 } })).toBe("42");
    expect(createdId({ status: { status: "OK" }, user: 42 })).toBe("42");
    expect(createdId({ status: { status: "OK" } })).toBeUndefined();
  });
});
