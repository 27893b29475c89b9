// Import rules for src/, checked by `npm run lint` (dependency-cruiser). The layers, lowest first; a module
// imports only from its own layer or lower ones:
//   1. lib/, errors.ts                    bytes, crypto, ids, logging, the error families
//   2. events/, queue/, pacing/, env.ts    canonical events, queue messages, the pacer object, the bindings
//   3. vendors/, membrane/, store/         normalizers, the Membrane client, D1 access
//   4. reactions/                          recipes (event -> Membrane requests)
//   5. config/                             every settings schema, validated against the registries below it
//   6. ingress/, delivery/, retention/,    the stages; delivery/, retention/ and preflight/ never reach ingress/
//      preflight/                         (preflight/ checks the configuration against the workspace)
//   7. admin/, app.ts, app-env.ts, cron.ts, index.ts
const layer = (...dirs) => `^src/(${dirs.join("|")})`;
const L1 = ["lib/", "errors\\.ts"];
const L2 = [...L1, "events/", "queue/", "pacing/", "env\\.ts"];
const L3 = [...L2, "vendors/", "membrane/", "store/"];
const L4 = [...L3, "reactions/"];
const L5 = [...L4, "config/"];

/** `from` may import nothing in src/ outside `allowed`. */
const only = (name, from, allowed) => ({
  name,
  severity: "error",
  comment: `${name}: see the layer list at the top of .dependency-cruiser.cjs`,
  from: { path: from },
  to: { path: "^src/", pathNot: layer(...allowed) },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles in src/ make the layers meaningless.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    only("lib-is-the-base", layer(...L1), L1),
    only("events-queue-pacing-env", layer("events/", "queue/", "pacing/", "env\\.ts"), L2),
    only("vendors-membrane-store", layer("vendors/", "membrane/", "store/"), L3),
    only("reactions-below-config", layer("reactions/"), L4),
    only("config-below-the-stages", layer("config/"), L5),
    only("ingress-below-admin", layer("ingress/"), [...L5, "ingress/", "delivery/", "app-env\\.ts"]),
    only("delivery-retention-not-ingress", layer("delivery/", "retention/"), [
      ...L5,
      "delivery/",
      "retention/",
    ]),
    only("preflight-on-the-layers-below", layer("preflight/"), [...L5, "preflight/"]),
    {
      name: "src-not-tooling",
      severity: "error",
      comment: "Deployable code never imports tests or scripts.",
      from: { path: "^src/" },
      to: { path: "^(test|scripts|emulator)/" },
    },
  ],
  options: {
    // TypeScript 7 has no compiler API for dependency-cruiser to use; swc parses the sources instead.
    parser: "swc",
    // swc reports type-only imports as well (a type import of src/index.ts is how the old cycle arose);
    // tsPreCompilationDeps would ask for the TypeScript compiler API that TypeScript 7 does not have.
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
  },
};
