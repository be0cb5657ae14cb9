/** The table `symgrad generate` prints: per model, size of the problem and of the generated code. */
import { HESSIAN_MAX_PARAMS, HVP_MAX_PARAMS, hessianVectorProductOps, type CompiledModel } from "../compile.ts";
import { naiveGradientOps, type NaiveCount } from "../symbolic/count.ts";
import type { GeneratedModule } from "../pipeline.ts";

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  "))
    .join("\n");
}

/** Models with more parameters get no naive count (it walks the whole network once per sampled parameter). */
const NAIVE_COUNT_LIMIT = 5000;

const naiveCounts = new WeakMap<CompiledModel, NaiveCount>();

/**
 * The report's naive count of a model, computed once: `symgrad generate` counts each model while
 * prettier formats the modules on its worker thread (the counts take ~0.3 s of a full rebuild).
 */
export function naiveCount(compiled: CompiledModel): NaiveCount | undefined {
  const { definition } = compiled;
  // Counting per-parameter derivatives of the 2-256-256-1 takes minutes: not shown for wide models (whose
  // weights are not even gathered into groups below: for 66 000 weights that alone took ~25 ms).
  if (definition.params.length > NAIVE_COUNT_LIMIT) return undefined;
  const cached = naiveCounts.get(compiled);
  if (cached) return cached;
  // In a stack of dense layers every weight of a layer (and every bias) costs the same: one stands for all.
  const groups = compiled.strategy === "loops" ? compiled.plan.layers.flatMap((l) => [l.weights.flat(), l.biases]) : undefined;
  const naive = naiveGradientOps(definition.loss, definition.params, undefined, groups);
  naiveCounts.set(compiled, naive);
  return naive;
}

export function report(built: { modules: readonly GeneratedModule[]; seconds: readonly number[] }): string {
  const rows = [["model", "params", "emitted", "ops(loss)", "ops(loss+grad)", "ratio", "naive ops", "ops(H·v)", "H·v ratio", "ops(Hessian)", "seconds", "KiB"]];
  built.modules.forEach((m, i) => {
    const { definition, ops, strategy, hessian } = m.compiled;
    const hvpOps = hessianVectorProductOps(m.compiled);
    const naive = naiveCount(m.compiled);
    rows.push([
      definition.name,
      String(definition.params.length),
      strategy,
      String(ops.loss),
      String(ops.lossAndGradient),
      `${(ops.lossAndGradient / ops.loss).toFixed(2)}×`,
      naive ? `${naive.estimated ? "~" : ""}${naive.ops.toLocaleString("en-US")}` : "—",
      hvpOps !== undefined ? `${hvpOps}${m.compiled.loopHessianVectorProduct ? " (loops)" : ""}` : "—",
      hvpOps !== undefined ? `${(hvpOps / ops.lossAndGradient).toFixed(2)}×` : "—",
      hessian ? String(hessian.counts.total) : "—",
      built.seconds[i].toFixed(2),
      (Buffer.byteLength(m.content) / 1024).toFixed(1),
    ]);
  });
  const notes = [
    "naive ops: the loss and each ∂loss/∂p differentiated and counted separately, without sharing",
    "  (~: from a sample: one weight and one bias per dense layer, else 32 evenly spaced parameters);",
    "H·v ratio: ops(H·v) / ops(loss+grad); H·v as loops in loop modules (and in layered models above",
    `  ${HVP_MAX_PARAMS} parameters), else unrolled; Hessian up to ${HESSIAN_MAX_PARAMS} parameters`,
  ];
  return `${table(rows)}\n${notes.join("\n")}`;
}

/** One line per regeneration, for --watch. */
export function regenerationLine(m: GeneratedModule, milliseconds: number): string {
  const { ops } = m.compiled;
  return `${m.compiled.definition.name}: ${milliseconds.toFixed(0)} ms, ops loss ${ops.loss}, loss+gradient ${ops.lossAndGradient}`;
}
