/**
 * A queue producer that keeps what is sent instead of delivering it. Used only where a test drives the
 * delivery engine with an injected clock and must not have the real queue run the same work in the
 * background; the end-to-end tests use the real queues.
 */
export function recordingQueue<Body>() {
  const sent: Array<{ body: Body; delaySeconds?: number }> = [];
  const queue = {
    send: async (body: Body, options?: QueueSendOptions) => {
      sent.push({ body, ...(options?.delaySeconds !== undefined && { delaySeconds: options.delaySeconds }) });
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<Body>>) => {
      for (const m of messages)
        sent.push({ body: m.body, ...(m.delaySeconds !== undefined && { delaySeconds: m.delaySeconds }) });
    },
  };
  return { queue: queue as unknown as Queue<Body>, sent };
}
