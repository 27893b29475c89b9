// Written by hand, beside the generated worker-env.d.ts: the secrets (`wrangler secret put`, .dev.vars) that a
// deployment sets are not in wrangler.toml, and which of them exist differs between deployments (each route's
// `secrets`, MEMBRANE_TOKEN or the workspace key and secret, ADMIN_TOKEN or none). They reach `env` as extra
// keys, which src/config/ reads as unknown values and checks at start-up.
declare namespace Cloudflare {
  interface Env {
    [secret: string]: unknown;
  }
}
