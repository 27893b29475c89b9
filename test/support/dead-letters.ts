import { env } from "cloudflare:workers";
import type { DeadLetterMessage } from "../../src/queue/messages";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Test-only: the consumer of the real dead-letters queue (test/support/dead-letter-recorder.js). */
      DEAD_LETTER_RECORDER: Fetcher;
    }
  }
}

const RECORDER = "https://dead-letter-recorder.test";

/** Every message the real hookbridge-dead-letters queue delivered since the last reset, oldest first. */
export async function deadLetters(): Promise<DeadLetterMessage[]> {
  const res = await env.DEAD_LETTER_RECORDER.fetch(`${RECORDER}/messages`);
  if (!res.ok) throw new Error(`dead-letter recorder answered ${res.status}`);
  return res.json();
}

export async function resetDeadLetters(): Promise<void> {
  const res = await env.DEAD_LETTER_RECORDER.fetch(`${RECORDER}/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`dead-letter recorder answered ${res.status}`);
}
