/**
 * Running the train CLI in a child process for tests: as this user or, for permission cases, as `nobody`
 * (root ignores file permissions, so a permission test run as root would pass without testing anything).
 * Also: scratch folders, and scratch copies of the repository.
 */
import { execFile, spawnSync } from "node:child_process";
import {
  chownSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, lstatSync, chmodSync, symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const CLI = ["--import", "tsx", "src/cli.ts"];

/** `setpriv` drops to nobody; undefined when the tests do not run as root (then they already lack root's powers). */
const DROP_TO_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

export const isRoot = process.getuid?.() === 0;

/** Why permission cases cannot run here, or "" when they can. */
export const permissionSkipReason = (() => {
  if (!isRoot) return "";
  const probe = spawnSync(DROP_TO_NOBODY[0], [...DROP_TO_NOBODY.slice(1), "true"]);
  return probe.status === 0
    ? ""
    : `running as root and cannot drop to nobody with setpriv (${probe.error ?? probe.stderr})`;
})();

export function runCli(args: string[], opts: { asNobody?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const [command, ...prefix] = opts.asNobody && isRoot ? [...DROP_TO_NOBODY, process.execPath] : [process.execPath];
  return new Promise((resolve) => {
    execFile(
      command,
      [...prefix, ...CLI, ...args],
      { env: { ...process.env, ...opts.env }, maxBuffer: 1 << 24 },
      (error, stdout, stderr) => {
        const failure = error as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
        resolve({ code: failure ? (failure.code ?? null) : 0, signal: failure?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/**
 * The CLI's main() in this process (much cheaper than a child): its exit code and what it printed. An
 * exception escaping main() would be a stack trace for the user, so it fails the test by rejecting.
 */
export async function runMain(args: string[]): Promise<Result> {
  const { main } = await import("../src/cli.ts");
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...parts: unknown[]) => void out.push(`${parts.join(" ")}\n`);
  console.error = (...parts: unknown[]) => void err.push(`${parts.join(" ")}\n`);
  try {
    const code = await main(args);
    return { code, signal: null, stdout: out.join(""), stderr: err.join("") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A fresh temp directory; when tests run as root, owned by nobody so a dropped child can use it. */
export function scratchDir(prefix = "symgrad-hard-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

const REPOSITORY = fileURLToPath(new URL("..", import.meta.url));

/**
 * A scratch copy of what the repository's own commands read (sources, generated modules, config;
 * node_modules linked), for a test whose command may write there or that edits a source.
 */
export function copyOfRepository(prefix: string): string {
  const copy = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of ["generator", "generated", "src", "package.json", "symgrad.config.json", "tsconfig.json", ".prettierrc.json"]) {
    if (existsSync(join(REPOSITORY, entry))) cpSync(join(REPOSITORY, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(REPOSITORY, "node_modules"), join(copy, "node_modules"));
  return copy;
}

export function giveToNobody(path: string): void {
  if (!isRoot) return;
  const nobody = spawnSync("id", ["-u", "nobody"]).stdout.toString().trim();
  const nogroup = spawnSync("id", ["-g", "nobody"]).stdout.toString().trim();
  chownSync(path, Number(nobody), Number(nogroup));
}

/**
 * Everything under a directory: type, mode, symlink target and content of every entry, so a test can
 * assert that a refused run left the directory exactly as it was.
 */
export function snapshot(dir: string): Record<string, string> {
  const entries: Record<string, string> = {};
  const walk = (path: string, name: string) => {
    const stats = lstatSync(path);
    const mode = (stats.mode & 0o7777).toString(8);
    if (stats.isSymbolicLink()) entries[name] = `link -> ${readlinkSync(path)}`;
    else if (stats.isDirectory()) {
      entries[name] = `dir ${mode}`;
      for (const entry of readdirSync(path).sort()) walk(join(path, entry), `${name}/${entry}`);
    } else if (stats.isFile()) entries[name] = `file ${mode} ino ${stats.ino} ${readFileSync(path, "utf8")}`;
    else entries[name] = `special ${mode}`;
  };
  walk(dir, ".");
  return entries;
}
