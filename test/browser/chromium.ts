import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import sparticuz from "@sparticuz/chromium";
import { ROOT } from "../../scripts/lib/local-stack.ts";

/**
 * The Chromium that ships inside the @sparticuz/chromium npm tarball (no download at install, none at run
 * time), so `npm install && npm test` needs no browser installed by hand. It unpacks into a cache folder keyed
 * by the package version (~2 s the first time), so an upgrade never runs an old binary. CHROMIUM_PATH wins.
 */
export async function chromiumPath(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const manifest = join(ROOT, "node_modules", "@sparticuz", "chromium", "package.json");
  const { version } = JSON.parse(await readFile(manifest, "utf8")) as { version: string };
  const cache = join(ROOT, "node_modules", ".cache", `sparticuz-chromium-${version}`);
  await mkdir(cache, { recursive: true });
  // executablePath() unpacks into os.tmpdir(), which follows TMPDIR.
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = cache;
  try {
    return await sparticuz.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}
