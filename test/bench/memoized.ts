/**
 * The memoized interpreted gradient: the generator's own scheduled program for [loss, ∇loss] (shared
 * DAG, every subexpression computed once per sample), run by ProgramInterpreter instead of compiled
 * to code, and averaged over the samples. It measures what compiling the program to flat code buys.
 */
import { ProgramInterpreter, type Program } from "../../generator/index.ts";
import type { ModelDefinition } from "../../generator/model.ts";
import type { LossAndGradient } from "./reference-mlp.ts";

/** program: compileModel(model).lossAndGradient, whose outputs are [loss, ∂loss/∂params[0], …]. */
export function memoizedInterpreter(model: ModelDefinition, program: Program): LossAndGradient {
  const interpreter = new ProgramInterpreter(program);
  const paramNames = model.params.map((p) => p.name);
  const inputNames = model.inputs.map((s) => s.name);
  const targetNames = model.targets.map((s) => s.name);
  const outputs = new Array<number>(program.outputs.length).fill(0);
  return (params, X, Y, grad) => {
    paramNames.forEach((name, k) => interpreter.setInput(name, params[k]));
    const n = Y.length / targetNames.length;
    grad.fill(0);
    let loss = 0;
    for (let s = 0; s < n; s++) {
      inputNames.forEach((name, j) => interpreter.setInput(name, X[s * inputNames.length + j]));
      targetNames.forEach((name, j) => interpreter.setInput(name, Y[s * targetNames.length + j]));
      interpreter.runLoaded(outputs);
      loss += outputs[0];
      for (let k = 0; k < grad.length; k++) grad[k] += outputs[k + 1];
    }
    for (let k = 0; k < grad.length; k++) grad[k] /= n;
    return loss / n;
  };
}
