// npm start: the bridge on http://127.0.0.1:8787 with local D1, Queues and demo secrets, and the Membrane
// emulator on :8788 unless MEMBRANE_API_URL points elsewhere. Ctrl-C stops both.
import { startLocalStack } from "./lib/local-stack.ts";

const stack = await startLocalStack();
console.log(
  `\nhookbridge is up at ${stack.bridgeUrl}  (routes: POST /webhooks/{kooomo,ometria,coupontools})`,
);
if (stack.emulatorUrl)
  console.log(`Membrane emulator at ${stack.emulatorUrl}  (state: GET /_emulator/state)`);
console.log("Send a signed sample delivery with:  npm run send -- kooomo kooomo/order-paid\n");

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stack.stop();
    process.exit(0);
  });
}
