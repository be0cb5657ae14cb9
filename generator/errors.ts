/**
 * The CLI's failures, each with the exit code a script can act on:
 * 0 done, 1 a check or numerical failure, 2 bad flags or inputs, 3 an output could not be written.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, output: 3 } as const;

/** Bad flags, a missing or broken model file, a name clash: nothing was written. Exit 2. */
export class UsageError extends Error {}

/** An output path that cannot be written (a file where a folder should be, no permission, …). Exit 3. */
import { OutputError } from "../src/files.ts";

export { OutputError };

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof OutputError) return EXIT.output;
  return EXIT.failed;
}
