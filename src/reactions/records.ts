/**
 * Tolerant readers for answers whose shape the vendor does not document (Coupontools' loyalty user search,
 * list and create answers): they look for user-like records wherever a JSON answer could plausibly hold them.
 */
type Json = Record<string, unknown>;

/** Keys a record's id may be under, in order of preference. */
const ID_KEYS = ["id", "ID", "user_id", "userId", "user"] as const;
const EMAIL_KEYS = ["email", "Email", "e-mail", "user_email"] as const;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function idOf(record: Json): string | undefined {
  for (const key of ID_KEYS) {
    const value = record[key];
    if ((typeof value === "string" && value !== "") || typeof value === "number") return String(value);
  }
  return undefined;
}

/**
 * The records in an answer: the answer itself when it is an array or a record with an id, else the records
 * (arrays of objects, or single objects with an id) under its top-level keys and one level further down
 * (`{data: {users: [...]}}`). Coupontools' `status` envelope is skipped.
 */
export function recordsIn(body: unknown, depth = 0): Json[] {
  if (Array.isArray(body)) return body.filter(isObject);
  if (!isObject(body)) return [];
  if (depth > 0 && idOf(body) !== undefined) return [body];
  if (depth === 0 && idOf(body) !== undefined && !("status" in body)) return [body];
  if (depth > 1) return [];
  return Object.entries(body)
    .filter(([key]) => key !== "status")
    .flatMap(([, value]) => recordsIn(value, depth + 1));
}

/** A record's e-mail: the first of EMAIL_KEYS that holds a string. */
function emailOf(record: Json): string | undefined {
  for (const key of EMAIL_KEYS) {
    const value = record[key];
    if (typeof value === "string") return value;
  }
  return undefined;
}

interface Index {
  /** Every record of each e-mail, in answer order. */
  byEmail: Map<string, Json[]>;
  byId: Map<string, Json>;
}

/**
 * The records of an answer by lower-case e-mail and by id (the first of each), built once per answer: deliveries
 * that share one list read (src/lib/fresh-reads.ts) get the same answer object, and each looks up one customer
 * in it, so scanning the whole list per delivery cost O(users) each.
 */
const indexes = new WeakMap<object, Index>();

function indexOf(body: unknown): Index {
  // Only an object can be a WeakMap key; another answer is indexed afresh (it holds no records anyway).
  const key = typeof body === "object" && body !== null ? body : undefined;
  const cached = key && indexes.get(key);
  if (cached) return cached;
  const index: Index = { byEmail: new Map(), byId: new Map() };
  for (const record of recordsIn(body)) {
    const email = emailOf(record)?.toLowerCase();
    if (email !== undefined) index.byEmail.set(email, [...(index.byEmail.get(email) ?? []), record]);
    const id = idOf(record);
    if (id !== undefined && !index.byId.has(id)) index.byId.set(id, record);
  }
  if (key) indexes.set(key, index);
  return index;
}

/** The ids of the records whose e-mail is exactly `email` (case-insensitive), in answer order. */
export function userIdsByEmail(body: unknown, email: string): string[] {
  const records = indexOf(body).byEmail.get(email.toLowerCase()) ?? [];
  return [...new Set(records.map(idOf).filter((id) => id !== undefined))];
}

/** The id of the customer's record (lowestId of several), if any. */
export function userIdByEmail(body: unknown, email: string): string | undefined {
  return lowestId(userIdsByEmail(body, email));
}

/**
 * The one id to go on with when an e-mail has several: the lowest whole number (ids that count up make it the
 * oldest), else the first by text. A fixed rule, so every delivery picks the same one.
 */
export function lowestId(ids: readonly string[]): string | undefined {
  const numeric = ids
    .filter((id) => /^\d+$/.test(id))
    .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));
  const text = ids.filter((id) => !/^\d+$/.test(id)).sort();
  // Whole numbers first, lowest first; then the rest by text: the same pick whatever the answer's order.
  return numeric[0] ?? text[0];
}

/** The id of the one record an answer describes (a create answer), if it names one. */
export function createdId(body: unknown): string | undefined {
  for (const record of recordsIn(body)) {
    const id = idOf(record);
    if (id !== undefined) return id;
  }
  // `{"status":{...},"user":42}`: the id itself at the top level.
  return isObject(body) ? idOf(body) : undefined;
}

/**
 * The number under `field` in the record of user `userId` (a number, or a string of digits), if the answer
 * shows one. Tolerant: the list/search answer shapes are not public.
 */
export function balanceOf(body: unknown, userId: string, field: string): number | undefined {
  const record = indexOf(body).byId.get(userId);
  const value = record?.[field];
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "string" && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
