// The ceiling for `npm run bench`: a worker that reads the body and answers 202, run by the same wrangler dev
// and loaded by the same load tool with the same bodies as the bridge.
export default {
  async fetch(request: Request): Promise<Response> {
    await request.arrayBuffer();
    return Response.json({ status: "accepted" }, { status: 202 });
  },
};
