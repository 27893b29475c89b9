import { z } from "zod";
import { COUPONTOOLS_ACTION_KEYS, OMETRIA_ACTION_KEYS } from "../reactions/calls";

/** The Membrane action keys this bridge knows per app; `other` reaches any action, unchecked. */
const KNOWN_ACTION_KEYS: Record<string, readonly string[]> = {
  coupontools: COUPONTOOLS_ACTION_KEYS,
  ometria: OMETRIA_ACTION_KEYS,
};

/** The keys of one app, or of every app the bridge knows when the reaction names none. */
function knownKeys(app: string | undefined): readonly string[] {
  if (app !== undefined) return KNOWN_ACTION_KEYS[app] ?? [];
  return Object.values(KNOWN_ACTION_KEYS).flat();
}

const ActionKeysSeen = z.looseObject({
  recipe: z.string().optional(),
  app: z.string().optional(),
  action: z.looseObject({ key: z.string().optional() }).optional(),
  options: z.looseObject({ actions: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/**
 * Action keys of [vars.REACTIONS] that the Membrane seeds do not list, for `npm run check-config` to mention:
 * a workspace may well have them (any key is accepted), and `npm run preflight` checks them against it.
 */
export function actionKeyHints(raw: unknown): string[] {
  const hints: string[] = [];
  const hint = (at: string, key: string, app: string | undefined) => {
    const known = app === "other" ? undefined : knownKeys(app);
    if (known && !known.includes(key))
      hints.push(
        `${at}: "${key}" is not among the action keys the Membrane seeds list${app ? ` for ${app}` : ""}; ` +
          "`npm run preflight` checks it against your workspace",
      );
  };
  for (const [name, value] of Object.entries(z.record(z.string(), z.unknown()).safeParse(raw).data ?? {})) {
    const entry = ActionKeysSeen.safeParse(value).data;
    if (!entry) continue;
    const at = `reactions.${name}`;
    if (entry.action?.key !== undefined) hint(`${at}.action.key`, entry.action.key, entry.app);
    const app = entry.recipe?.split(".")[0];
    for (const [step, option] of Object.entries(entry.options?.actions ?? {})) {
      const key =
        typeof option === "string"
          ? option
          : ActionKeysSeen.shape.action.unwrap().safeParse(option).data?.key;
      if (key !== undefined) hint(`${at}.options.actions.${step}`, key, app);
    }
  }
  return hints;
}
