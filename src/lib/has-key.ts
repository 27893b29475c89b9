/** Whether `value` is an object that has `key` (a cheap look before parsing a shape that needs that key). */
export function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === "object" && value !== null && key in value;
}
