// npm run lint: no source file under src/ over 300 lines (a function over 60 is Biome's
// noExcessiveLinesPerFunction, biome.json). A long file is several rooms in one: split it where it changes topic.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const LIMIT = 300;
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.tsx?$/.test(name) ? [path] : [];
  });
const long = files("src")
  .map((file) => ({ file, lines: readFileSync(file, "utf8").split("\n").length - 1 }))
  .filter(({ lines }) => lines > LIMIT);
for (const { file, lines } of long) console.error(`${file}: ${lines} lines (at most ${LIMIT})`);
if (long.length > 0) process.exit(1);
