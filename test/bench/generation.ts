/**
 * Generation cost per model: the whole pipeline (simplify, differentiate, lower, schedule, emit with
 * ts-morph, prettier) timed once, as `npm run generate` runs it, and the size of what it writes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CompiledModel } from "../../generator/compile.ts";
import type { ModelDefinition } from "../../generator/model.ts";
import { generateModule } from "../../generator/pipeline.ts";

export interface GenerationStats {
  readonly ms: number;
  readonly bytes: number;
  /** Whether generated/<name>.ts is what the generator writes today (else the timings are of stale code). */
  readonly fresh: boolean;
  readonly opsPerSample: number;
  readonly compiled: CompiledModel;
}

/**
 * The module without its header comment and MODEL.hash: the CLI's header names the model file and a
 * stamp (provenance), which generateModule alone does not know; the code below it is what is timed.
 */
function codeOf(text: string): string {
  return text.replace(/^(\/\/.*\n)+/, "").replace(/hash: "[0-9a-f#]+"/, "");
}

export async function generationStats(definition: ModelDefinition): Promise<GenerationStats> {
  const start = performance.now();
  const generated = await generateModule(definition);
  const ms = performance.now() - start;
  const committed = readFileSync(fileURLToPath(new URL(`../../generated/${generated.path}`, import.meta.url)), "utf8");
  return {
    ms,
    bytes: Buffer.byteLength(generated.content),
    fresh: codeOf(committed) === codeOf(generated.content),
    opsPerSample: generated.compiled.ops.lossAndGradient,
    compiled: generated.compiled,
  };
}
