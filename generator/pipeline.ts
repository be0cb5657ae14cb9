/**
 * Model definition → generated file, one line per stage. Pure apart from prettier's config lookup;
 * the CLI alone writes files.
 */
import { compileModel, type CompiledModel } from "./compile.ts";
import { codeHash, HASH_PLACEHOLDER } from "./emit/code-hash.ts";
import { emitModule, DEFAULT_EMIT_OPTIONS, type EmitOptions } from "./emit/module.ts";
import { formatTypeScript } from "./emit/format.ts";
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

/**
 * `model` is whatever a model file exported: it is validated as data first (validateModel), so only
 * checked names and constants ever reach the emitted text.
 */
export async function generateModule(
  model: unknown,
  options: EmitOptions = DEFAULT_EMIT_OPTIONS,
  provenance?: Provenance,
): Promise<GeneratedModule> {
  const definition = validateModel(model); // every node rebuilt or verified, names and constants checked
  const compiled = compileModel(definition); // simplify → gradient → lower → schedule
  const source = emitModule(compiled, options, provenance); // statements → text
  const formatted = await formatTypeScript(source); // prettier, pinned config
  const content = formatted.replace(HASH_PLACEHOLDER, codeHash(formatted)); // MODEL.hash
  return { path: `${definition.name}.ts`, content, compiled };
}

/**
 * index.ts: every model module of the folder by name, sorted. Imports only its sibling modules, with
 * ".js" specifiers, which TypeScript (NodeNext or bundler resolution), tsx and Vite map to the ".ts"
 * files and which stay right after compilation to JavaScript.
 */
export async function generateRegistry(modelNames: readonly string[]): Promise<GeneratedFile> {
  const names = [...modelNames].sort();
  const source = [
    `${GENERATED_MARK} — DO NOT EDIT. The registry of the model modules in this folder, sorted by name.`,
    "// Every `symgrad generate` into this folder rewrites it.",
    // Aliased with a leading "_" (model names start with a letter), so a name like \`delete\` stays valid.
    ...names.map((n) => `import * as _${n} from "./${n}.js";`),
    "",
    `export const MODELS = { ${names.map((n) => `${n}: _${n}`).join(", ")} } as const;`,
    "export type ModelName = keyof typeof MODELS;",
    "",
  ].join("\n");
  return { path: REGISTRY_FILE, content: await formatTypeScript(source) };
}
