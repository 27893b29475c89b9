import { z } from "zod";
import { loadConfig } from "../../../config";
import { listPauses } from "../../../store/pauses";
import { pause as pauseTarget, RESUME_BATCH, resume } from "../../operations/pauses";
import { defineRoute } from "../define-route";
import { presentPause } from "../present";
import { pause, pauseKind } from "../schemas";

const target = z.strictObject({
  kind: pauseKind,
  name: z.string().min(1).describe("Route name, or Membrane connection id"),
});

export const listPausesRoute = defineRoute({
  id: "listPauses",
  method: "get",
  path: "/pauses",
  summary: "Paused routes and connections",
  response: z.object({ pauses: z.array(pause) }),
  handle: async (_input, c) => ({ pauses: (await listPauses(c.env.DB)).map(presentPause) }),
});

export const createPauseRoute = defineRoute({
  id: "createPause",
  method: "post",
  path: "/pauses",
  summary: "Pause a route's or a connection's reactions",
  description:
    "Paused work waits, it is not dropped: the route keeps accepting webhooks and deliveries are still " +
    "planned, but none is attempted (and no attempt is spent) until the pause is lifted. Pausing again is a " +
    "no-op that answers the existing pause.",
  errors: [400, 404],
  body: target,
  response: z.object({ pause, created: z.boolean().describe("False when it was already paused") }),
  handle: async ({ body }, c) => {
    const result = await pauseTarget(c.env, loadConfig(c.env), body.kind, body.name, Date.now());
    return { pause: presentPause(result.pause), created: result.created };
  },
});

export const deletePauseRoute = defineRoute({
  id: "deletePause",
  method: "delete",
  path: "/pauses/{kind}/{name}",
  summary: "Resume a paused route or connection",
  description: `Lifts the pause and queues the deliveries that waited for it (up to ${RESUME_BATCH} at once; the cron sweep sends the rest).`,
  errors: [400, 404, 503],
  params: target,
  response: z.object({
    resumed: pause,
    requeued: z.int().nonnegative().describe("Waiting deliveries queued now"),
    more: z.boolean().describe("More were waiting than were queued now; the cron sweep queues them"),
  }),
  handle: async ({ params }, c) => {
    const result = await resume(c.env, params.kind, params.name);
    return { resumed: presentPause(result.pause), requeued: result.requeued, more: result.more };
  },
});
