/**
 * The trainer's outputs on disk: paths are checked before any work is done, and a run's files are
 * written all together or not at all.
 *
 * Each file goes to a temporary sibling (same directory, so the rename cannot cross file systems), is
 * fsynced, and is renamed over the destination only after every temporary file of the run was written.
 * This is what npm's write-file-atomic does (same-directory temp, fsync, rename, keep the destination's
 * mode and, as root, its owner, write through a symlink to its target, remove the temp on failure); it is
 * written out here because a run writes several files as one unit (all temps first, then the renames),
 * needs temp names it can recognise later to clean up after a killed run, and a hook to test the failure
 * between writing and renaming.
 */
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";

/** An output that cannot be written (permission, not a directory, disk full): exit code 3. */
export class OutputError extends Error {}

/** Temp files are `.NAME.symgrad-PID-RANDOM.tmp`: hidden, and recognisable as ours by name alone. */
const TEMP_NAME = /^\.(.+)\.symgrad-(\d+)-[0-9a-f]{8}\.tmp$/;

const tempNameFor = (path: string) =>
  join(dirname(path), `.${basename(path)}.symgrad-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);

const isRoot = () => process.getuid?.() === 0;

/** One-line description of a file-system error: "permission denied (EACCES)". */
export function describeError(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on device",
    EDQUOT: "disk quota exceeded",
    EISDIR: "is a directory",
    ENOTDIR: "a parent is not a directory",
    ENAMETOOLONG: "name too long",
    ENOENT: "no such file or directory",
    ELOOP: "too many levels of symbolic links",
    EEXIST: "already exists",
  };
  if (code) return `${reasons[code] ?? "cannot write"} (${code})`;
  return message.split("\n")[0];
}

/** Stats of a path, or undefined when it does not exist; other errors name the flag (label) and path. */
function statOrUndefined(path: string, follow: boolean, label = ""): Stats | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new OutputError(`${label ? `${label}: ` : ""}${path}: ${describeError(error)}`);
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The nearest existing ancestor of a path that does not exist yet must be a directory we may create
 * entries in: then the missing directories can be made at write time.
 */
function checkCreatable(label: string, path: string): void {
  let ancestor = dirname(resolve(path));
  while (statOrUndefined(ancestor, true, label) === undefined && dirname(ancestor) !== ancestor) {
    ancestor = dirname(ancestor);
  }
  const stats = statOrUndefined(ancestor, true, label);
  if (!stats?.isDirectory()) throw new OutputError(`${label}: cannot create ${path}: ${ancestor} is not a directory`);
  if (!canWrite(ancestor)) {
    throw new OutputError(`${label}: cannot create ${path}: no permission to write in ${ancestor}`);
  }
}

function checkNotDangling(label: string, path: string, what: string): void {
  const link = statOrUndefined(path, false, label);
  if (link?.isSymbolicLink() && statOrUndefined(path, true, label) === undefined) {
    throw new OutputError(
      `${label}: ${path} is a symbolic link to a missing ${what}; create its target or remove the link`,
    );
  }
}

/** An output directory: exists as a writable directory, or can be created. '' is a usage error. */
export function checkOutputDir(label: string, dir: string): void {
  checkNotDangling(label, dir, "directory");
  const stats = statOrUndefined(dir, true, label);
  if (stats === undefined) return checkCreatable(label, dir);
  if (!stats.isDirectory()) throw new OutputError(`${label}: ${dir} exists and is not a directory`);
  if (!canWrite(dir)) throw new OutputError(`${label}: ${dir} is not writable (permission denied)`);
}

/**
 * An output file: a regular file we may replace, or a name in a directory that exists (or can be made).
 * A read-only file is refused even for root, who could replace it: its owner meant it not to change.
 */
export function checkOutputFile(label: string, path: string): void {
  checkNotDangling(label, path, "file");
  const stats = statOrUndefined(path, true, label);
  if (stats === undefined) return checkCreatable(label, path);
  if (stats.isDirectory()) throw new OutputError(`${label}: ${path} is a directory, not a file`);
  if (!stats.isFile()) throw new OutputError(`${label}: ${path} exists and is not a regular file`);
  const readOnly = isRoot() ? (stats.mode & 0o222) === 0 : !canWriteFile(path);
  if (readOnly) {
    throw new OutputError(`${label}: ${path} is read-only (mode ${(stats.mode & 0o777).toString(8)})`);
  }
  const parent = dirname(realpathSync(path));
  if (!canWrite(parent)) throw new OutputError(`${label}: cannot replace ${path}: no permission to write in ${parent}`);
}

function canWriteFile(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where a write really lands: through a symlink to its target, so the link itself is kept. */
function destinationOf(path: string): string {
  const link = statOrUndefined(path, false);
  return link?.isSymbolicLink() ? realpathSync(path) : path;
}

export interface WriteHooks {
  /** Called after every temp file is written and fsynced, before the first rename (fault injection). */
  beforeRename?(temps: readonly string[]): void;
}

interface Pending {
  destination: string;
  temp: string;
}

/**
 * Writes every [path, content] pair, or none of them: all temp files are written and fsynced first; a
 * failure there removes them all and leaves every destination untouched. Errors are OutputErrors naming
 * the path.
 */
export function writeFilesAtomic(files: readonly (readonly [string, string])[], hooks: WriteHooks = {}): void {
  const pending: Pending[] = [];
  const createdDirs: string[] = [];
  let current = files[0]?.[0];
  try {
    for (const [path, content] of files) {
      current = path;
      const destination = destinationOf(path);
      const created = mkdirSync(dirname(destination), { recursive: true });
      if (created !== undefined) createdDirs.push(created);
      const temp = tempNameFor(destination);
      pending.push({ destination, temp });
      writeTemp(temp, content, statOrUndefined(destination, true));
    }
    hooks.beforeRename?.(pending.map(({ temp }) => temp));
    for (const { destination, temp } of pending) {
      current = destination;
      renameSync(temp, destination);
    }
  } catch (error) {
    for (const { temp } of pending) rmSync(temp, { force: true });
    // Directories this call made hold nothing but the temps just removed.
    for (const dir of createdDirs.reverse()) rmSync(dir, { recursive: true, force: true });
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write ${current}: ${describeError(error)}`);
  }
  for (const dir of new Set(pending.map(({ destination }) => dirname(destination)))) syncDirectory(dir);
}

export function writeFileAtomic(path: string, content: string, hooks: WriteHooks = {}): void {
  writeFilesAtomic([[path, content]], hooks);
}

/** Creates the temp file exclusively, with the destination's mode (and owner, as root), and fsyncs it. */
function writeTemp(temp: string, content: string, existing: Stats | undefined): void {
  const fd = openSync(temp, "wx", 0o666);
  try {
    const bytes = Buffer.from(content);
    for (let offset = 0; offset < bytes.length;) offset += writeSync(fd, bytes, offset);
    if (existing) {
      fchmodSync(fd, existing.mode & 0o7777);
      if (isRoot()) fchownSync(fd, existing.uid, existing.gid);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes the renames durable; best effort, as some file systems refuse to fsync a directory. */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not all platforms allow opening a directory; the data itself is already synced.
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false; // our own temps do not exist before we write them
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Names of symgrad temp files in `dir` (any output) whose process is gone: what `--check` can report. */
export function leftoverTemps(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.filter((entry) => {
    const match = TEMP_NAME.exec(entry);
    return match !== null && !isRunning(Number(match[2]));
  });
}

/**
 * Removes temp files left by a killed symgrad run next to the given outputs: only names of symgrad's own
 * pattern for these very outputs, and only when the process that made them is gone. Returns what it removed.
 */
export function removeStaleTemps(paths: readonly string[]): string[] {
  const removed: string[] = [];
  for (const path of paths) {
    const destination = destinationOf(path);
    const dir = dirname(destination);
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const match = TEMP_NAME.exec(entry);
      if (!match || match[1] !== basename(destination) || isRunning(Number(match[2]))) continue;
      rmSync(join(dir, entry), { force: true });
      removed.push(join(dir, entry));
    }
  }
  return removed;
}
