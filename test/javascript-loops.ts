/**
 * A generated module loaded as the JavaScript around it sees WebAssembly (present, missing, or refused)
 * and the other globals it may use.
 * Loaded from a copy under a fresh name, so that each load is a module instance of its own (a module
 * decides at import whether its lossAndGradient runs its WebAssembly form or its JavaScript loops).
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "symgrad-loaded-"));
let loads = 0;

/** Imports `file` (TypeScript) with globalThis.WebAssembly replaced by `webAssembly` while it loads. */
export function importWithWebAssembly<T>(file: string, webAssembly: unknown): Promise<T> {
  return importWithGlobals<T>(file, { WebAssembly: webAssembly });
}

/** Imports `file` (TypeScript) with the given globals replaced (undefined: missing) while it loads. */
export async function importWithGlobals<T>(file: string, globals: Readonly<Record<string, unknown>>): Promise<T> {
  const copy = join(dir, `${basename(file, ".ts")}_${++loads}.ts`);
  copyFileSync(file, copy);
  const global = globalThis as Record<string, unknown>;
  const saved = Object.keys(globals).map((name) => [name, Object.getOwnPropertyDescriptor(global, name)] as const);
  for (const [name, value] of Object.entries(globals)) Object.defineProperty(global, name, { value, configurable: true, writable: true });
  try {
    return (await import(copy)) as T;
  } finally {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(global, name, descriptor);
      else delete global[name];
    }
  }
}

/** The module with its lossAndGradient running its JavaScript loops (WebAssembly missing while it loads). */
export function importJavaScriptLoops<T>(file: string): Promise<T> {
  return importWithWebAssembly<T>(file, undefined);
}
