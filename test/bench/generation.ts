/**
 * Generation cost per model: the whole pipeline (simplify, differentiate, lower, schedule, print,
 * prettier) timed once, as `npm run generate` runs it, and the size of what it writes; and the wall
 * time of a whole `npm run generate -- --force` (wholeGenerationMs).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Wall time of `npm run generate -- --force` as a user types it (npm, a fresh process, every shipped
 * model rebuilt and its report printed), median of `runs`. The modules go to an empty temporary folder
 * (--out), so a bench run never rewrites generated/; writing them all is the same work as comparing them.
 */
export function wholeGenerationMs(runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = mkdtempSync(join(tmpdir(), "symgrad-generate-"));
    try {
      const start = performance.now();
      const r = spawnSync("npm", ["run", "--silent", "generate", "--", "--force", "--out", out], { cwd: root, encoding: "utf8" });
      times.push(performance.now() - start);
      if (r.status !== 0) throw new Error(`npm run generate -- --force failed: ${r.stderr}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}
