/**
 * The freshness stamp written into every generated module's header: a hash of the model's source files
 * and of the generator that turned them into code. If both are unchanged the module is fresh, which
 * `npm start` and `symgrad generate --check --quick` decide in milliseconds; the byte-exact `--check`
 * (which rebuilds every model) stays the authority in CI.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const LIBRARY_DIR = dirname(fileURLToPath(import.meta.url));

/** The parts of the generator whose code decides what a module looks like (the CLI does not), subfolders included. */
const PIPELINE_DIRS = ["symbolic", "nn", "emit"];
const PIPELINE_FILES = ["compile.ts", "index.ts", "model.ts", "pipeline.ts"];

/** Written by `npm run build` beside the compiled generator, which has no .ts sources to hash. */
export const FINGERPRINT_FILE = "fingerprint.json";

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

function pipelineSources(): string[] {
  const files = PIPELINE_FILES.map((f) => join(LIBRARY_DIR, f));
  for (const dir of PIPELINE_DIRS) {
    const names = readdirSync(join(LIBRARY_DIR, dir), { recursive: true, encoding: "utf8" });
    for (const name of names.map((n) => n.split(sep).join("/")).sort()) {
      if (name.endsWith(".ts")) files.push(join(LIBRARY_DIR, dir, name));
    }
  }
  return files;
}

/** Hash of the generator's pipeline sources (in the repository) and the formatter versions. */
export function computeFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of pipelineSources()) {
    const name = relative(LIBRARY_DIR, file).split(sep).join("/");
    hash.update(`${name}\0${sha256(readFileSync(file))}\n`);
  }
  // The formatter, the printer (ts-morph pins its TypeScript) and the WebAssembly assembler shape the
  // text too. Their versions are read from package.json, not by importing them: the quick check must stay light.
  for (const pkg of ["prettier", "ts-morph", "watr"]) hash.update(`${pkg} ${packageVersion(pkg)}\n`);
  return hash.digest("hex");
}

/** A dependency's version, from the package.json above its entry point (watr's exports do not expose it). */
function packageVersion(name: string): string {
  let dir = dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`stamp: no package.json found for ${name}`);
    dir = parent;
  }
}

let cached: string | undefined;

/** The generator's fingerprint: computed from the sources when they are here, else read from the build. */
export function generatorFingerprint(): string {
  if (cached) return cached;
  const built = join(LIBRARY_DIR, FINGERPRINT_FILE);
  cached = existsSync(join(LIBRARY_DIR, "pipeline.ts"))
    ? computeFingerprint()
    : (JSON.parse(readFileSync(built, "utf8")) as { fingerprint: string }).fingerprint;
  return cached;
}

/**
 * The stamp of one model: its source files (paths relative to `root`, and contents) and the generator.
 * Relative paths keep it the same wherever the project is checked out.
 */
export function modelStamp(inputs: readonly string[], root: string): string {
  const hash = createHash("sha256");
  hash.update(`generator ${generatorFingerprint()}\n`);
  for (const file of inputs) {
    const name = relative(root, file).split(sep).join("/");
    hash.update(`${name}\0${sha256(readFileSync(file))}\n`);
  }
  return hash.digest("hex").slice(0, 32);
}
