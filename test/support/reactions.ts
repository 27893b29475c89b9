import { env } from "cloudflare:workers";
import { loadConfig } from "../../src/config";
import { parseReactions, type Reaction } from "../../src/config/reactions";

/**
 * The tests' reactions (the REACTIONS binding) with one reaction's recipe options changed, parsed as start-up
 * parses them (parsed options, such as an action step, are not options a parse takes again).
 */
export function reactionsWith(name: string, options: Record<string, unknown>): Reaction[] {
  const raw = env.REACTIONS as Record<string, { options?: Record<string, unknown> }>;
  const entry = raw[name];
  if (!entry) throw new Error(`no reaction ${name}`);
  const routes = Object.keys(loadConfig(env).routes);
  return parseReactions({ ...raw, [name]: { ...entry, options: { ...entry.options, ...options } } }, routes);
}
