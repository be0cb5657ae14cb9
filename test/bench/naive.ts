/**
 * The naive interpreted gradient, as the seed's SymPy code computes it: one derivative expression per
 * parameter (`sp.diff(loss, w)`), each evaluated per sample by substituting values and walking the
 * expression as a tree (`subs`/`evalf`). A subexpression used twice is computed twice: no sharing
 * between derivatives, no cache inside one. This is the baseline the generator exists to beat.
 */
import { diffLiteral, type Expr } from "../../generator/index.ts";
import type { ModelDefinition } from "../../generator/model.ts";
import { OPS } from "../../generator/symbolic/ops.ts";
import type { LossAndGradient } from "./reference-mlp.ts";

type Env = Record<string, number>;

/** The value of e, recomputing every path through the DAG (as a tree). */
function walk(e: Expr, env: Env): number {
  if (e.op === "num") return e.value;
  if (e.op === "sym") return env[e.name];
  return OPS[e.op].evaluate(e.args.map((a) => walk(a, env)));
}

export function naiveInterpreter(model: ModelDefinition): LossAndGradient {
  const derivatives = model.params.map((p) => diffLiteral(model.loss, p));
  const paramNames = model.params.map((p) => p.name);
  const rowNames = (symbols: readonly Expr[]) => symbols.map((s) => s.name);
  const inputNames = rowNames(model.inputs);
  const targetNames = rowNames(model.targets);
  return (params, X, Y, grad) => {
    const env: Env = {};
    paramNames.forEach((name, k) => (env[name] = params[k]));
    const n = Y.length / targetNames.length;
    grad.fill(0);
    let loss = 0;
    for (let s = 0; s < n; s++) {
      inputNames.forEach((name, j) => (env[name] = X[s * inputNames.length + j]));
      targetNames.forEach((name, j) => (env[name] = Y[s * targetNames.length + j]));
      loss += walk(model.loss, env);
      derivatives.forEach((d, k) => (grad[k] += walk(d, env)));
    }
    for (let k = 0; k < grad.length; k++) grad[k] /= n;
    return loss / n;
  };
}
