/**
 * vitest's global setup: the run gets a temporary folder of its own (TMPDIR, which os.tmpdir() and every
 * process a test starts read), removed when the run ends. The suite makes ~80 scratch folders, and the
 * processes it starts fill tsx's transform cache (tsx-<uid>/ in the temporary folder, ~1000 files a
 * run); left in /tmp, they piled up run after run, and every later tsx start lists that cache.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  const folder = mkdtempSync(join(tmpdir(), "symgrad-test-run-"));
  // As /tmp is: tests that run a command as nobody make folders in it for that user.
  chmodSync(folder, 0o1777);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(folder, { recursive: true, force: true });
  };
}
