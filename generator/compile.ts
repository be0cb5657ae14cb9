/**
 * The compiler's stages for one model, each a pure data-to-data step:
 *   simplify (stable rewrites) → gradient (reverse mode) → lowerStable → schedule.
 * The emitter turns the result into a module; nothing here touches the disk.
 */
import type { ModelDefinition } from "./model.ts";
import { gradient } from "./symbolic/differentiate.ts";
import { sym, type Expr } from "./symbolic/expr.ts";
import { freeSymbols } from "./symbolic/dag.ts";
import { directionalDerivative, jacobianOfGradient, upperTriangle } from "./symbolic/second-order.ts";
import { lowerStable } from "./symbolic/lower.ts";
import { schedule, type Program } from "./symbolic/schedule.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export interface CompiledModel {
  readonly definition: ModelDefinition;
  /** Per sample: [loss]. */
  readonly loss: Program;
  /** Per sample: [loss, ∂loss/∂params[0], …]. */
  readonly lossAndGradient: Program;
  /** Per sample: the outputs. */
  readonly predict: Program;
  /** Per sample: [loss, (H·v)[0], …], reading v from the symbols named `direction`; only for models of ≤ HVP_MAX_PARAMS parameters. */
  readonly hessianVectorProduct?: Program;
  /** Names of the symbols that hold v, one per parameter (chosen not to clash with the model's). */
  readonly direction: readonly string[];
  /** Per sample: [loss, H[j][k] for j ≤ k, row by row]; only for models of ≤ HESSIAN_MAX_PARAMS parameters. */
  readonly hessian?: Program;
}

/**
 * Largest model that gets a dense `hessian` function: p(p + 1)/2 entries per sample (8 256 at 128
 * parameters), beyond which the Hessian-vector product is the way to use second-order information.
 */
export const HESSIAN_MAX_PARAMS = 128;

/**
 * Largest model that gets `hessianVectorProduct`. Unrolled, H·v costs 2–4.5× the gradient's code:
 * for 2-64-64-1 (4 417 parameters) 97 000 operations per sample, 5 MB of source and a 25× longer
 * generation, for a Newton method that needs ~n products per iteration anyway. Above this size,
 * L-BFGS is the second-order method to use.
 */
export const HVP_MAX_PARAMS = 1024;

export function compileModel(definition: ModelDefinition): CompiledModel {
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const [loss] = simplifyAll([definition.loss]);
  const outputs = simplifyAll(definition.outputs);
  const grads = gradient(loss, definition.params);
  const direction = directionSymbols(definition.params.length, freeSymbols([loss, ...outputs]));
  const P = definition.params.length;
  const hvp = P <= HVP_MAX_PARAMS ? directionalDerivative(grads, definition.params, direction) : undefined; // forward over reverse
  return {
    definition,
    loss: schedule(lowerStable([loss]), { varying: perSample }),
    lossAndGradient: schedule(lowerStable([loss, ...grads]), { varying: perSample }),
    predict: schedule(lowerStable(outputs), { varying: new Set(names(definition.inputs)) }),
    hessianVectorProduct: hvp && schedule(lowerStable([loss, ...hvp]), { varying: perSample }),
    direction: direction.map((s) => s.name),
    hessian: P <= HESSIAN_MAX_PARAMS ? schedule(lowerStable([loss, ...upperHessian(grads, definition.params)]), { varying: perSample }) : undefined,
  };
}

/** v as symbols v0, v1, … (or dv0, …, ddv0, … when the model uses such names already). */
function directionSymbols(count: number, taken: ReadonlySet<string>): Expr[] {
  let prefix = "v";
  while ([...taken].some((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))) prefix = `d${prefix}`;
  return Array.from({ length: count }, (_, k) => sym(`${prefix}${k}`));
}


/** H[j][k] for j ≤ k, row by row (the generated function mirrors them into the lower triangle). */
function upperHessian(grads: readonly Expr[], params: readonly Expr[]): Expr[] {
  const H = jacobianOfGradient(grads, params);
  return upperTriangle(params.length).map(([j, k]) => H[j][k]);
}
