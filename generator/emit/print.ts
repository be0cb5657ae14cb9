/**
 * ts-morph prints the modules, from structures built on another thread than the one that prints.
 *
 * Loading ts-morph (and the TypeScript it bundles) takes about 0.7 s. `symgrad generate` differentiates
 * on its main thread and prints and formats on a worker thread (format.ts), so the main thread never
 * loads ts-morph, and the worker loads it while the main thread runs the model files. The structures
 * therefore name their kind (`"Function"`: a member of ts-morph's StructureKind) instead of holding the
 * enum's number, which only ts-morph knows; the printing thread maps names to numbers (printModule
 * here, and the worker's copy of these few lines in format.ts).
 */
import { createRequire } from "node:module";
import type { SourceFileStructure, StatementStructures, StructureKind, VariableDeclarationKind } from "ts-morph";

/** What module.ts builds: the file's statements, each a string or a structure whose kind is named. */
export interface ModuleStructure {
  readonly statements: readonly (string | StatementStructures)[];
}

/**
 * The member of ts-morph's StructureKind called `name`, as the structures carry it: by name until
 * printed. Typed as the member, so that the compiler checks each structure's fields against its kind.
 */
export const structureKind = <K extends keyof typeof StructureKind>(name: K) => name as unknown as (typeof StructureKind)[K];

/** `const` declarations (ts-morph's VariableDeclarationKind.Const is the string "const"). */
export const CONST_DECLARATION = "const" as VariableDeclarationKind.Const;

/** ts-morph, loaded on first use by the thread that prints (synchronously: it is a CommonJS package). */
function tsMorph(): typeof import("ts-morph") {
  return createRequire(import.meta.url)("ts-morph") as typeof import("ts-morph");
}

/** The module's text, unformatted, printed by ts-morph (format.ts formats it). */
export function printModule(module: ModuleStructure): string {
  const { printStructure, StructureKind: kinds } = tsMorph();
  const byName = kinds as unknown as Record<string, StructureKind>;
  const file: SourceFileStructure = {
    kind: kinds.SourceFile,
    statements: module.statements.map((s) => (typeof s === "string" ? s : ({ ...s, kind: byName[s.kind] } as StatementStructures))),
  };
  return printStructure(file);
}
