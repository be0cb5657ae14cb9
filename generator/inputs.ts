/**
 * What `symgrad generate` reads: model files named on the command line (paths or globs) or by
 * symgrad.config.{ts,mts,js,json}, each loaded and checked to default-export a model.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { UsageError } from "./errors.ts";
import { bundle, evaluateBundle, LoadError, loadFile, type Bundle } from "./load.ts";
import type { ModelDefinition } from "./model.ts";

/**
 * tinyglobby's CommonJS build: its ES module build imports picomatch, which is CommonJS, and Node scans
 * such a file (and the files it re-exports, 60 KB) with its CommonJS lexer; with esbuild's entry
 * (load.ts) that made V8 optimize the lexer on a background thread at the start of a `generate`.
 */
export const { glob, isDynamicPattern } = createRequire(import.meta.url)("tinyglobby") as typeof import("tinyglobby");

export interface ModelFile {
  /** Absolute path of the model file. */
  readonly file: string;
  readonly model: ModelDefinition;
  /** The local files it reads, itself first (absolute paths). */
  readonly inputs: readonly string[];
}

export const CONFIG_FILES = ["symgrad.config.ts", "symgrad.config.mts", "symgrad.config.js", "symgrad.config.json"];

export interface Config {
  /** The config file (absolute). */
  readonly file: string;
  /** Model files or globs, relative to the config file's folder. */
  readonly models: readonly string[];
  /** Output folder, relative to the config file's folder. */
  readonly out: string;
}

/** The first symgrad.config.* in `dir`, checked; undefined if there is none. */
export async function readConfig(dir: string): Promise<Config | undefined> {
  const file = CONFIG_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (file === undefined) return undefined;
  let value: unknown;
  try {
    value = file.endsWith(".json")
      ? JSON.parse(readFileSync(file, "utf8"))
      : (await loadFile(file)).exports.default;
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  const config = value as { models?: unknown; out?: unknown };
  const models = config?.models;
  if (!Array.isArray(models) || models.length === 0 || !models.every((m) => typeof m === "string" && m !== "")) {
    throw new UsageError(`${file}: "models" must be a non-empty array of file names or globs`);
  }
  if (typeof config.out !== "string" || config.out === "") throw new UsageError(`${file}: "out" must name a folder`);
  const base = dirname(file);
  const inBase = (m: string) => (m.startsWith("!") ? `!${resolve(base, m.slice(1))}` : resolve(base, m));
  return { file, models: models.map(inBase), out: resolve(base, config.out) };
}

/**
 * Each argument is a file or a glob; every glob must match something; "!glob" leaves out what it
 * matches. Sorted, without repeats.
 */
export async function expandInputs(patterns: readonly string[]): Promise<string[]> {
  const ignore = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1));
  const files = new Set<string>();
  for (const pattern of patterns.filter((p) => !p.startsWith("!"))) {
    if (existsSync(pattern) && statSync(pattern).isFile()) {
      files.add(resolve(pattern));
      continue;
    }
    if (!isDynamicPattern(pattern)) throw new UsageError(`no such model file: ${pattern}`);
    const matches = await glob(pattern, { absolute: true, onlyFiles: true, expandDirectories: false, ignore });
    if (matches.length === 0) throw new UsageError(`no file matches ${pattern}`);
    for (const match of matches) files.add(resolve(match));
  }
  return [...files].sort();
}

/**
 * Load a model file: its default export must be made by defineModel(...). `bundled` is its bundle when
 * the caller started it already (loadModelFiles).
 */
export async function loadModelFile(file: string, shownAs = file, bundled?: Promise<Bundle>): Promise<ModelFile> {
  let loaded;
  try {
    loaded = bundled ? await evaluateBundle(await bundled) : await loadFile(file);
  } catch (error) {
    if (error instanceof LoadError) throw new UsageError(`${shownAs}: ${error.message}`);
    throw error;
  }
  // Imported here: `symgrad generate` starts its printing worker before it loads the generator's core.
  const { isModelDefinition, validateModel } = await import("./model.ts");
  const exported = loaded.exports.default;
  if (!isModelDefinition(exported)) {
    throw new UsageError(`${shownAs} must have a default export made by defineModel(...)`);
  }
  // Whatever object was exported, it is data to check: every node, name, constant and role again.
  let model: ModelDefinition;
  try {
    model = validateModel(exported);
  } catch (error) {
    throw new UsageError(`${shownAs}: ${(error as Error).message}`);
  }
  return { file: resolve(file), model, inputs: loaded.inputs };
}

/**
 * Load model files, and run them, in the order given, each as the caller asks for the next. esbuild
 * bundles them all at once, in its own process, while this thread runs each model file as soon as its
 * bundle is there (loading one after the other left this thread waiting for esbuild half a second in a
 * full rebuild), and the caller can work on one model before the next file runs.
 */
export async function* loadModelFiles(files: readonly string[], shownAs: (file: string) => string = (file) => file): AsyncGenerator<ModelFile> {
  const bundles = files.map((file) => bundle(file));
  // A bundle's failure is reported when its file's turn comes; if an earlier file fails, never.
  for (const b of bundles) b.catch(() => undefined);
  for (const [i, file] of files.entries()) yield await loadModelFile(file, shownAs(file), bundles[i]);
}

/** The local files a model file reads (itself first), without running it; an error names the file as `shownAs`. */
export async function bundleModelFile(file: string, shownAs = file): Promise<{ inputs: readonly string[] }> {
  try {
    return await bundle(file);
  } catch (error) {
    if (error instanceof LoadError) throw new UsageError(`${shownAs}: ${error.message}`);
    throw error;
  }
}
