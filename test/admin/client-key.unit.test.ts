import { describe, expect, it } from "vitest";
import { clientKey } from "../../src/admin/client-key";

describe("clientKey", () => {
  it("keys an IPv6 address by its /64, whatever its written form", () => {
    for (const address of [
      "2001:db8::1",
      "2001:db8:0:0:1::1",
      "2001:0db8:0000:0000:ffff:ffff:ffff:ffff",
      "2001:DB8::A:b:C:d",
      "2001:db8:0:0::",
      "2001:db8::1%eth0",
      "[2001:db8::1]",
      " 2001:db8::1 ",
      "2001:db8::192.0.2.1",
    ])
      expect(clientKey(address), address).toBe("2001:db8:0:0::/64");
    expect(clientKey("2001:db8:0:1::1")).toBe("2001:db8:0:1::/64");
    expect(clientKey("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff")).toBe("2001:db8:aaaa:bbbb::/64");
  });

  it("keys the loopback and other short forms by their /64", () => {
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
    expect(clientKey("::")).toBe("0:0:0:0::/64");
    expect(clientKey("fe80::1%25eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("1::")).toBe("1:0:0:0::/64");
  });

  it("keys IPv4 per address, also when written IPv4-mapped in IPv6", () => {
    expect(clientKey("192.0.2.1")).toBe("192.0.2.1");
    expect(clientKey("192.0.2.2")).toBe("192.0.2.2");
    for (const mapped of [
      "::ffff:192.0.2.1",
      "::FFFF:192.0.2.1",
      "0:0:0:0:0:ffff:c000:0201",
      "::ffff:c000:201",
    ])
      expect(clientKey(mapped), mapped).toBe("192.0.2.1");
  });

  it("keeps a value it cannot read as it is given (trimmed): one client of its own", () => {
    for (const value of [
      "local",
      "not-an-ip",
      "1.2.3",
      "256.1.1.1",
      "01.2.3.4",
      "2001:db8::1::2",
      "2001:db8:0:0:0:0:0:0:1",
      "1:2:3:4:5:6:7:8::",
      "12345::1",
      ":1::",
      "2001:db8::g",
      "::1.2.3.4.5",
      "1.2.3.4:5::",
    ])
      expect(clientKey(value), value).toBe(value);
    expect(clientKey(" odd ")).toBe("odd");
  });
});
