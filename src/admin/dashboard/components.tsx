import type { Child } from "hono/jsx";

type Tone = "ok" | "bad" | "wait" | "info" | "idle";

/** Colour of every status word the store uses (events, deliveries, verification, attempt outcomes). */
const TONES: Record<string, Tone> = {
  done: "ok",
  succeeded: "ok",
  success: "ok",
  verified: "ok",
  confirmed: "ok",
  failed: "bad",
  dead: "bad",
  rejected: "bad",
  not_genuine: "bad",
  permanent: "bad",
  pending: "wait",
  retrying: "wait",
  transient: "wait",
  pending_confirmation: "wait",
  accepted: "info",
  queued: "info",
  processing: "info",
  in_flight: "info",
  paused: "wait",
  active: "ok",
  closed: "ok",
  breaker_open: "bad",
  probing: "wait",
  internal: "info",
};

export function Badge({ value }: { value: string }) {
  return <span class={`badge ${TONES[value] ?? "idle"}`}>{value.replaceAll("_", " ")}</span>;
}

export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

export function Time({ ms }: { ms: number | null }) {
  if (ms === null) return <span class="muted">—</span>;
  return <time datetime={new Date(ms).toISOString()}>{formatTime(ms)}</time>;
}

/** A length of time for people: "850 ms", "42 s", "4 min 12 s", "3 h 20 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${s % 60} s`;
}

/** Counts by status as badges, in the order given (so pages list statuses the same way everywhere). */
export function Counts({
  counts,
  order,
}: {
  counts: Partial<Record<string, number>>;
  order: readonly string[];
}) {
  const shown = order.filter((status) => (counts[status] ?? 0) > 0);
  if (shown.length === 0) return <span class="muted">none</span>;
  return (
    <span class="chips">
      {shown.map((status) => (
        <span>
          {counts[status]} <Badge value={status} />
        </span>
      ))}
    </span>
  );
}

export function Stat({ label, value, bad = false }: { label: string; value: Child; bad?: boolean }) {
  return (
    <div class="stat">
      <div class="label">{label}</div>
      <div class={bad ? "value bad" : "value"}>{value}</div>
    </div>
  );
}

/** The hidden field that tells an action which page to come back to. */
export function ReturnTo({ path }: { path: string }) {
  return <input type="hidden" name="return_to" value={path} />;
}

/** A one-button form; actions are plain POSTs so the dashboard works without JavaScript. */
export function ActionButton({
  action,
  label,
  returnTo,
  tone,
  fields = {},
}: {
  action: string;
  label: string;
  returnTo: string;
  tone?: "primary" | "danger" | "quiet";
  fields?: Record<string, string>;
}) {
  return (
    <form class="inline" method="post" action={action}>
      <ReturnTo path={returnTo} />
      {Object.entries(fields).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <button type="submit" class={tone}>
        {label}
      </button>
    </form>
  );
}

/** A filter's drop-down: "any" (sent as "") or one of the configured names. */
export function Select(props: {
  label: string;
  name: string;
  options: readonly string[];
  selected?: string;
}) {
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {props.options.map((option) => (
          <option value={option} selected={option === props.selected}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "1 delivery", "3 deliveries". */
export const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
