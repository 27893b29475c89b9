import type { EmulatorEnv } from "./config";

export { EmulatorState } from "./emulator-object";

/** Every request goes to the single emulator object, which owns all state. */
export default {
  fetch(request, env) {
    return env.EMULATOR.getByName("membrane-emulator").fetch(request);
  },
} satisfies ExportedHandler<EmulatorEnv>;
