/**
 * Model definition → generated file, one line per stage. Pure apart from prettier's config lookup;
 * the CLI alone writes files.
 */
import { compileModel, type CompiledModel } from "./compile.ts";
import { codeHash, HASH_PLACEHOLDER } from "./emit/code-hash.ts";
import { moduleStructure, DEFAULT_EMIT_OPTIONS, type EmitOptions } from "./emit/module.ts";
import type { ModuleStructure } from "./emit/print.ts";
import { formatInThisThread, type Formatter } from "./emit/format.ts";
import { GENERATED_MARK, type Provenance } from "./emit/header.ts";
import { REGISTRY_FILE } from "./out-dir.ts";
import { validateModel } from "./model.ts";

export interface GeneratedFile {
  /** Path relative to the output folder. */
  readonly path: string;
  readonly content: string;
}

export interface GeneratedModule extends GeneratedFile {
  readonly compiled: CompiledModel;
}

/** A module before it is printed and formatted: what the main thread computes. */
export interface EmittedModule {
  readonly path: string;
  /** The module's statements (HASH_PLACEHOLDER where MODEL.hash goes), for ts-morph to print. */
  readonly structure: ModuleStructure;
  readonly compiled: CompiledModel;
}

/**
 * `model` is whatever a model file exported: it is validated as data first (validateModel), so only
 * checked names and constants ever reach the emitted text.
 */
export function emitModelModule(model: unknown, options: EmitOptions = DEFAULT_EMIT_OPTIONS, provenance?: Provenance): EmittedModule {
  const definition = validateModel(model); // every node rebuilt or verified, names and constants checked
  const compiled = compileModel(definition); // simplify → gradient → lower → schedule
  const structure = moduleStructure(compiled, options, provenance); // ts-morph structures
  return { path: `${definition.name}.ts`, structure, compiled };
}

/** The emitted module once prettier formatted its text: MODEL.hash filled in. */
export function finishModule(emitted: EmittedModule, formatted: string): GeneratedModule {
  return { path: emitted.path, content: formatted.replace(HASH_PLACEHOLDER, codeHash(formatted)), compiled: emitted.compiled };
}

export async function generateModule(
  model: unknown,
  options: EmitOptions = DEFAULT_EMIT_OPTIONS,
  provenance?: Provenance,
  format: Formatter = formatInThisThread,
): Promise<GeneratedModule> {
  const emitted = emitModelModule(model, options, provenance);
  return finishModule(emitted, (await format(emitted.structure)).text); // ts-morph prints, prettier formats
}

/**
 * index.ts: every model module of the folder by name, sorted. Imports only its sibling modules, with
 * ".js" specifiers, which TypeScript (NodeNext or bundler resolution), tsx and Vite map to the ".ts"
 * files and which stay right after compilation to JavaScript.
 */
export async function generateRegistry(modelNames: readonly string[], format: Formatter = formatInThisThread): Promise<GeneratedFile> {
  const names = [...modelNames].sort();
  const source = [
    `${GENERATED_MARK} -- DO NOT EDIT. The registry of the model modules in this folder, sorted by name.`,
    "// Every `symgrad generate` into this folder rewrites it.",
    // Aliased with a leading "_" (model names start with a letter), so a name like \`delete\` stays valid.
    ...names.map((n) => `import * as _${n} from "./${n}.js";`),
    "",
    `export const MODELS = { ${names.map((n) => `${n}: _${n}`).join(", ")} } as const;`,
    "export type ModelName = keyof typeof MODELS;",
    "",
  ].join("\n");
  return { path: REGISTRY_FILE, content: (await format(source)).text };
}
