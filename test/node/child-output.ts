import type { ChildProcess } from "node:child_process";

/** A line of a Node stack trace (`    at fn (file:12:3)`): no output a person meets may hold one. */
export const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

export interface ChildOutput {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Both, in the order they arrived. */
  output: () => string;
  /** Its exit code, once its streams have closed. */
  exited: Promise<number | null>;
}

/** Collects what a child process prints, as a test reads it while the child still runs. */
export function collectOutput(child: ChildProcess): ChildOutput {
  const text = { stdout: "", stderr: "", both: "" };
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]?.setEncoding("utf8").on("data", (chunk: string) => {
      text[stream] += chunk;
      text.both += chunk;
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, stdout: () => text.stdout, stderr: () => text.stderr, output: () => text.both, exited };
}
