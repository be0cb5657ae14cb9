/**
 * The CLI's failures, each with the exit code a script can act on:
 * 0 done, 1 a check or numerical failure, 2 bad flags or inputs, 3 an output could not be written.
 */
import { OutputError } from "../src/files.ts";

/**
 * An output path that cannot be written (a file where a folder should be, no permission, disk full):
 * exit 3. One class for the generator and the trainer, which share the writer in src/files.ts.
 */
export { OutputError };

export const EXIT = { ok: 0, failed: 1, usage: 2, output: 3 } as const;

/** Bad flags, a missing or broken model file, a name clash: nothing was written. Exit 2. */
export class UsageError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof OutputError) return EXIT.output;
  return EXIT.failed;
}
