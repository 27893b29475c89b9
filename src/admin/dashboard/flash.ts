import type { Context } from "hono";
import { z } from "zod";
import { clearDashboardCookie, readDashboardCookie, setDashboardCookie } from "./cookies";

/**
 * The outcome of a form, shown once on the page it redirects to (post/redirect/get). It travels in a short-
 * lived signed cookie rather than the URL, so nobody can link an operator to a page with made-up messages.
 */
const flashSchema = z.object({
  tone: z.enum(["ok", "error"]),
  text: z.string(),
  details: z.array(z.string()).default([]),
});
export type Flash = z.input<typeof flashSchema>;

/** Cookies hold about 4 KB; longer messages are cut rather than lost. */
const MAX_TEXT = 300;
const MAX_DETAILS = 3;

const cut = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

export async function setFlash(c: Context, token: string, flash: Flash): Promise<void> {
  const value: Flash = {
    tone: flash.tone,
    text: cut(flash.text),
    details: (flash.details ?? []).slice(0, MAX_DETAILS).map(cut),
  };
  await setDashboardCookie(c, token, "flash", JSON.stringify(value), 60);
}

/** The pending message, if any; it is cleared so a reload does not show it again. */
export async function takeFlash(c: Context, token: string): Promise<z.output<typeof flashSchema> | null> {
  const value = await readDashboardCookie(c, token, "flash");
  if (value === undefined) return null;
  clearDashboardCookie(c, "flash");
  try {
    const parsed = flashSchema.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
