/**
 * The prototype's (emit-wat.ts) tanh kernel and head printed from the compiler's own scheduled programs
 * (generator/emit/wasm/kernels.ts) instead of hand-written: the LoopModel of mlp(layers) with tanh
 * hidden layers, a sigmoid output and BCE, compiled once per layer sizes.
 */
import { compileModel, type LoopModel } from "../../../generator/compile.ts";
import { activationKernel, headKernel } from "../../../generator/emit/wasm/kernels.ts";
import { defineModel, mlp } from "../../../generator/index.ts";
import type { Func, MlpLayout, PrintedKernels } from "./emit-wat.ts";

export { activationKernel, importFreeLoss } from "../../../generator/emit/wasm/kernels.ts";

const models = new Map<string, LoopModel>();

/** The loop model emit-wat.ts's module computes: tanh hidden layers, one sigmoid output, BCE. */
export function loopModel(layers: readonly number[]): LoopModel {
  const key = layers.join("_");
  let model = models.get(key);
  if (!model) {
    const net = mlp({ layers: [...layers], activation: "tanh", output: "sigmoid", loss: "bce" });
    const compiled = compileModel(defineModel({ name: `wasm_${key}`, ...net }), "loops");
    if (compiled.strategy !== "loops") throw new Error(`program-kernels: mlp([${layers.join(", ")}]) has no loop form`);
    model = compiled;
    models.set(key, model);
  }
  return model;
}

/** emit-wat.ts's tanh kernel, from the compiled model's tanh kernel program. */
function tanhKernel(layout: MlpLayout, mathImports: boolean): Func {
  return activationKernel(loopModel(layout.layers).kernels.get("tanh")!.forward, "tanh", layout.row, mathImports);
}

/** emit-wat.ts's option: the tanh kernel and head printed from the compiled model's programs. */
export const PRINTED_KERNELS: PrintedKernels = {
  tanh: tanhKernel,
  head: (layout, mathImports) => headKernel(loopModel(layout.layers), layout, mathImports),
};
