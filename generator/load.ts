/**
 * Loads a TypeScript or JavaScript file (a model, a config, a generated module) in this process,
 * whatever the surrounding package says about module formats: esbuild bundles the file and the
 * user's own files it imports into one ES module, which is imported from memory.
 *
 * Packages (symgrad itself, anything in node_modules) and symgrad's own library files stay external
 * and are imported by absolute URL, so a model shares this process's copy of symgrad: its expressions
 * are the generator's own `Expr` nodes whether the model file is .ts, .mts or .cts, ESM or CommonJS.
 * The bundle's metafile names every local file the entry reads: `--watch` watches exactly those, and
 * the freshness stamp hashes them.
 */
import type { Message, Plugin } from "esbuild";
import { createRequire, isBuiltin } from "node:module";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * esbuild is CommonJS. Imported as an ES module, Node would first scan its 97 KB entry for export names
 * with its CommonJS lexer; with picomatch's files (inputs.ts) that was enough scanning for V8 to
 * optimize the lexer: ~0.2 s of CPU on a background thread at the start of every `generate`, on a
 * 2-core machine whose cores both threads need.
 */
const { build, transform } = createRequire(import.meta.url)("esbuild") as typeof import("esbuild");

/** The folder of symgrad's build-time library (generator/ in the repository, dist/generator when installed). */
const LIBRARY_DIR = dirname(fileURLToPath(import.meta.url));
/** Model files that ship with symgrad live here; they are inputs like any user's model, not library. */
const SHIPPED_MODELS_DIR = resolve(LIBRARY_DIR, "models");
/**
 * The folder of this process's copy of the library when it runs bundled (generator/launch.mjs: `npm run
 * generate` in this repository), else undefined. The bundle has a module for each library file, at the
 * file's place: generator/nn/mlp.ts is nn/mlp.mjs.
 */
let libraryBundle: string | undefined;

/**
 * Tells the loader that the library runs from the bundle in the folder at `folderUrl`: models then import
 * the library's files from there, so they share this process's copy without a TypeScript loader.
 */
export function useLibraryBundle(folderUrl: string): void {
  libraryBundle = folderUrl;
}

export interface LoadedFile {
  /** The file's exports. */
  readonly exports: Record<string, unknown>;
  /** The bundle that was evaluated (JavaScript), e.g. for worker threads to evaluate the same code. */
  readonly code: string;
  /** Absolute paths of the local files the bundle read (the entry first), for watching and hashing. */
  readonly inputs: readonly string[];
}

/** The file could not be bundled or evaluated; the message says where and why. */
export class LoadError extends Error {}

const inside = (dir: string, file: string) => {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
};

function isLibraryFile(file: string): boolean {
  return inside(LIBRARY_DIR, file) && !inside(SHIPPED_MODELS_DIR, file);
}

/** Keep packages and symgrad's library external, addressed by absolute file URL. */
const externals: Plugin = {
  name: "symgrad-externals",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "resolving" || args.kind === "entry-point") return undefined;
      if (isBuiltin(args.path)) return { path: args.path, external: true };
      const resolved = await pluginBuild.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: "resolving",
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      const bare = !args.path.startsWith(".") && !isAbsolute(args.path);
      if (!bare && libraryBundle !== undefined && isLibraryFile(resolved.path)) {
        const inBundle = relative(LIBRARY_DIR, resolved.path).split(sep).join("/").replace(/\.ts$/, ".mjs");
        return { path: new URL(inBundle, libraryBundle).href, external: true };
      }
      const external = bare || resolved.path.split(sep).includes("node_modules") || isLibraryFile(resolved.path);
      return external ? { path: pathToFileURL(resolved.path).href, external: true } : { path: resolved.path };
    });
  },
};

function describe(message: Message): string {
  const where = message.location ? `${message.location.file}:${message.location.line}:${message.location.column + 1}: ` : "";
  return `${where}${message.text}`;
}

/** A file bundled into one ES module, not yet run. */
export interface Bundle {
  readonly code: string;
  /** Absolute paths of the local files the bundle read (the entry first). */
  readonly inputs: string[];
}

/** Bundle `file` (without running it): the code and the local files it reads. */
export async function bundle(file: string): Promise<Bundle> {
  const entry = resolve(file);
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      metafile: true,
      logLevel: "silent",
      plugins: [externals],
    });
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    throw new LoadError(errors?.length ? errors.map(describe).join("\n") : (error as Error).message);
  }
  const cwd = process.cwd();
  const inputs = Object.keys(result.metafile.inputs).map((p) => resolve(cwd, p));
  inputs.sort((a, b) => (a === entry ? -1 : b === entry ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return { code: result.outputFiles[0].text, inputs };
}

/** Bundle and evaluate `file`; errors thrown while it runs become a LoadError with its message. */
export async function loadFile(file: string): Promise<LoadedFile> {
  return evaluateBundle(await bundle(file));
}

/** Run a bundle; errors thrown while it runs become a LoadError with its message. */
export async function evaluateBundle({ code, inputs }: Bundle): Promise<LoadedFile> {
  return { exports: await importCode(code), code, inputs };
}

/** Evaluate a self-contained TypeScript module (a generated one: it imports nothing) from memory. */
export async function importTypeScript(source: string): Promise<Record<string, unknown>> {
  const { code } = await transform(source, { loader: "ts", format: "esm", target: "node20" });
  return importCode(code);
}

async function importCode(code: string): Promise<Record<string, unknown>> {
  try {
    // A data: URL module may import builtins and absolute URLs only, which is all a bundle has.
    return await import(`data:text/javascript;base64,${Buffer.from(code).toString("base64")}`);
  } catch (error) {
    throw new LoadError((error as Error).message);
  }
}
