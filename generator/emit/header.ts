/** The comment at the top of every generated file: provenance, summary, how to regenerate. */
import {
  HESSIAN_MAX_GRADIENT_OPS, HESSIAN_MAX_PARAMS, SECOND_ORDER_MAX_GRADIENT_OPS, hessianVectorProductOps, type CompiledModel,
} from "../compile.ts";

function secondOrderSummary(compiled: CompiledModel): string {
  const hvpOps = hessianVectorProductOps(compiled);
  if (hvpOps === undefined) return `no second-order functions (unrolled loss+gradient above ${SECOND_ORDER_MAX_GRADIENT_OPS} operations).`;
  const hvp = `Hessian*v ${hvpOps}${compiled.loopHessianVectorProduct ? " (loops)" : ""}`;
  if (compiled.hessian) return `${hvp}, Hessian ${compiled.hessian.counts.total}.`;
  return `${hvp} (no dense Hessian above ${HESSIAN_MAX_PARAMS} parameters or ${HESSIAN_MAX_GRADIENT_OPS} loss+gradient operations).`;
}

/** Where a module came from, as the CLI knows it; paths are relative to the output folder's project. */
export interface Provenance {
  /** The model file, relative to the project root, with "/" separators. */
  readonly source: string;
  /** The output folder, relative to the project root, with "/" separators. */
  readonly out: string;
  /** Hash of the model's source files and of the generator (see generator/stamp.ts). */
  readonly stamp: string;
}

import { GENERATED_MARK, STAMP_PREFIX } from "./marks.ts";

export { GENERATED_MARK, STAMP_PREFIX };

/** Quote a path for a shell command line only when it needs it. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);

/** `wasm`: whether the module has lossAndGradient's WebAssembly form (wasm/backend.ts). */
export function header(compiled: CompiledModel, provenance?: Provenance, wasm = false): string {
  const d = compiled.definition;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const command = provenance
    ? `symgrad generate ${shellWord(provenance.source)} --out ${shellWord(provenance.out)}`
    : "symgrad generate MODEL_FILE --out DIR";
  return [
    `${GENERATED_MARK}${provenance ? ` from ${provenance.source}` : ""} -- DO NOT EDIT.`,
    `// Model "${d.name}" (${d.task}): ${plural(d.inputs.length, "input")}, ${plural(d.targets.length, "target")}, ` +
      `${plural(d.outputs.length, "output")}, ${plural(d.params.length, "parameter")}; ` +
      `ops per sample: loss ${compiled.ops.loss}, loss+gradient ${compiled.ops.lossAndGradient}, ` +
      secondOrderSummary(compiled) +
      (compiled.strategy === "loops" ? " Dense layers are emitted as loops over the batch." : "") +
      (wasm ? " lossAndGradient runs as WebAssembly where available (BACKEND), else as these loops: the same sums in the same order." : ""),
    `// Regenerate with \`${command}\`; add \`--check\` to check that it is fresh.`,
    ...(provenance ? [`${STAMP_PREFIX}${provenance.stamp}`] : []),
  ].join("\n");
}
