/**
 * The client an address belongs to, for counting failed admin attempts. An IPv6 client is its /64: a host is
 * usually given a whole /64 (one LAN, SLAAC and privacy addresses), so it can rotate through 2^64 addresses
 * and would never be blocked per address. IPv4 stays per address; an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`) is that IPv4 address. Any written form of the same address gives the same key.
 */
export function clientKey(address: string): string {
  const text = address.trim();
  if (ipv4Bytes(text)) return text;
  // A zone id (`fe80::1%eth0`) names the sender's interface, not the address; brackets are a URL's.
  const bare = text.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const groups = text.includes(":") ? ipv6Groups(bare) : undefined;
  // Cloudflare always sends an address here; anything else (a local proxy, a test) is counted as written,
  // as one client of its own: never uncounted, and never merged with others on a guess.
  if (groups === undefined) return text;
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff)
    return [g >> 8, g & 0xff, h >> 8, h & 0xff].join(".");
  return `${[a, b, c, d].map((group) => group.toString(16)).join(":")}::/64`;
}

/** The four bytes of a dotted-quad IPv4 address (no leading zeros: `010` may be read as octal), or undefined. */
function ipv4Bytes(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255))
    return undefined;
  return parts.map(Number);
}

/**
 * The eight 16-bit groups of an IPv6 address in any of RFC 4291's text forms (full, `::`-compressed, with an
 * IPv4 tail, any case), or undefined.
 */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head, tail] = [groupsOf(halves[0] ?? "", halves.length === 1), groupsOf(halves[1] ?? "", true)];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  // `::` stands for one or more zero groups.
  const zeros = 8 - head.length - tail.length;
  return zeros >= 1 ? [...head, ...new Array<number>(zeros).fill(0), ...tail] : undefined;
}

/** The groups of one side of `::`; `last`: the side that ends the address, which may end in IPv4 form. */
function groupsOf(text: string, last: boolean): number[] | undefined {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (const [i, part] of parts.entries()) {
    const v4 = last && i === parts.length - 1 ? ipv4Bytes(part) : undefined;
    if (v4) {
      const [w = 0, x = 0, y = 0, z = 0] = v4;
      groups.push((w << 8) | x, (y << 8) | z);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) groups.push(Number.parseInt(part, 16));
    else return undefined;
  }
  return groups;
}
