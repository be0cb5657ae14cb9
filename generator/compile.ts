/**
 * The compiler's stages for one model, each a pure data-to-data step:
 *   simplify (stable rewrites) → gradient (reverse mode) → lowerStable → schedule.
 * The emitter turns the result into a module; nothing here touches the disk.
 *
 * Two strategies (the emitter prints each its own way):
 * - "unrolled": the whole per-sample loss and gradient as one straight-line program;
 * - "loops": for a model that is a stack of recorded dense layers (nn/layers.ts), only the small
 *   pieces go through the scalar stages: the head (loss and outputs as functions of the last layer's
 *   outputs) and, per activation, its elementwise forward and backward kernels. The dense layers
 *   themselves are emitted as blocked loops over the batch (emit/loops.ts).
 * "auto" picks loops when a layer is at least LOOP_MIN_WIDTH units wide (measured crossover, below).
 */
import type { ModelDefinition } from "./model.ts";
import { ACTIVATIONS, type Activation } from "./nn/activations.ts";
import { planLayers, type LayerPlan } from "./nn/layers.ts";
import { diff, gradient } from "./symbolic/differentiate.ts";
import { mul, rebuild, sym, type Expr } from "./symbolic/expr.ts";
import { freeSymbols } from "./symbolic/dag.ts";
import { directionalDerivative, jacobianOfGradient, upperTriangle } from "./symbolic/second-order.ts";
import { lowerStable } from "./symbolic/lower.ts";
import { schedule, type Program } from "./symbolic/schedule.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export type Strategy = "auto" | "unrolled" | "loops";

/** Operations per sample, as the header and MODEL.ops report them. */
export interface OpTotals {
  readonly loss: number;
  readonly lossAndGradient: number;
}

/**
 * Second-order programs, emitted as unrolled code whichever strategy the rest of the module uses (they
 * exist only for models small enough that unrolled H·v pays; see the limits below).
 */
export interface SecondOrderPrograms {
  /** Per sample: [loss, (H·v)[0], …], reading v from the symbols named `direction`; only for models of ≤ HVP_MAX_PARAMS parameters. */
  readonly hessianVectorProduct?: Program;
  /** Names of the symbols that hold v, one per parameter (chosen not to clash with the model's); empty without H·v. */
  readonly direction: readonly string[];
  /** Per sample: [loss, H[j][k] for j ≤ k, row by row]; only for models of ≤ HESSIAN_MAX_PARAMS parameters. */
  readonly hessian?: Program;
}

export interface UnrolledModel extends SecondOrderPrograms {
  readonly strategy: "unrolled";
  readonly definition: ModelDefinition;
  /** Per sample: [loss]. */
  readonly loss: Program;
  /** Per sample: [loss, ∂loss/∂params[0], …]. */
  readonly lossAndGradient: Program;
  /** Per sample: the outputs. */
  readonly predict: Program;
  readonly ops: OpTotals;
}

/** An activation's elementwise kernels: a = f(z), and g·f'(z) from whichever of z and a it needs. */
export interface ActivationKernel {
  readonly activation: Activation;
  /** Reads symbol z; outputs [f(z)]. */
  readonly forward: Program;
  /** Reads symbols g (∂loss/∂a) and z or a; outputs [g·f'(z)]. */
  readonly backward: Program;
  /** Whether backward reads z (then the forward pass keeps z as well as a). */
  readonly needsZ: boolean;
}

export interface LoopModel extends SecondOrderPrograms {
  readonly strategy: "loops";
  readonly definition: ModelDefinition;
  readonly plan: LayerPlan;
  /** The head per sample, reading plan.headInputs and the targets: [loss]. */
  readonly headLoss: Program;
  /** [loss, ∂loss/∂h_1, …]. */
  readonly headLossAndGradient: Program;
  /** The outputs, reading plan.headInputs. */
  readonly headPredict: Program;
  readonly kernels: ReadonlyMap<Activation, ActivationKernel>;
  readonly ops: OpTotals;
}

export type CompiledModel = UnrolledModel | LoopModel;

/**
 * The crossover between the two strategies, measured with `npx tsx test/bench/crossover.ts` (same
 * data, 200 rows, tanh hidden, BCE; per-batch lossAndGradient, ratio loops/unrolled in one process):
 * see the table in README.md's performance section. Unrolled code wins while the per-sample program
 * stays small; from this width on, loops win.
 */
export const LOOP_MIN_WIDTH = 16;

/**
 * Largest model that gets a dense `hessian` function: p(p + 1)/2 entries per sample, unrolled. At 65
 * parameters (mlp_2_16_1) that was 3 184 operations and two thirds of a 180 KB module, which the
 * playground's bundle had to carry; Newton's method needs only the Hessian-vector product, so the dense
 * Hessian is kept for small models (the seed's 9 parameters: 45 entries).
 */
export const HESSIAN_MAX_PARAMS = 32;

/**
 * Largest model that gets `hessianVectorProduct`. Unrolled, H·v costs 2–4.5× the gradient's code:
 * for 2-16-16-1 (337 parameters) 6 602 operations per sample and 190 KB of the module (which put the
 * playground's bundle over its 200 KB budget), for 2-64-64-1 97 000 operations and 5 MB. Above this
 * size, L-BFGS is the second-order method to use.
 */
export const HVP_MAX_PARAMS = 128;

/**
 * Largest unrolled loss+gradient program (operations per sample) that also gets second-order programs,
 * whatever its parameter count: H·v costs 2–4.5× the gradient and the dense Hessian more, so a deep
 * model with few parameters (a 5 000-deep chain has 4) would otherwise get modules of tens of megabytes
 * and minutes of generation for functions nobody can afford to call. 4 096 keeps every shipped model's.
 */
export const SECOND_ORDER_MAX_GRADIENT_OPS = 4096;

export function compileModel(definition: ModelDefinition, strategy: "unrolled"): UnrolledModel;
export function compileModel(definition: ModelDefinition, strategy?: Strategy): CompiledModel;
export function compileModel(definition: ModelDefinition, strategy: Strategy = "auto"): CompiledModel {
  if (strategy !== "unrolled") {
    const plan = planLayers(definition);
    if ("reason" in plan) {
      if (strategy === "loops") throw new Error(`compile(${definition.name}): cannot emit loops: ${plan.reason}`);
    } else if (strategy === "loops" || Math.max(...plan.layers.map((l) => l.z.length)) >= LOOP_MIN_WIDTH) {
      return compileLoops(definition, plan);
    }
  }
  return compileUnrolled(definition);
}

function compileUnrolled(definition: ModelDefinition): UnrolledModel {
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const [loss] = simplifyAll([definition.loss]);
  const outputs = simplifyAll(definition.outputs);
  const grads = gradient(loss, definition.params);
  const lossProgram = schedule(lowerStable([loss]), { varying: perSample });
  const lossAndGradient = schedule(lowerStable([loss, ...grads]), { varying: perSample });
  return {
    strategy: "unrolled",
    definition,
    loss: lossProgram,
    lossAndGradient,
    predict: schedule(lowerStable(outputs), { varying: new Set(names(definition.inputs)) }),
    ops: { loss: lossProgram.counts.total, lossAndGradient: lossAndGradient.counts.total },
    ...(lossAndGradient.counts.total <= SECOND_ORDER_MAX_GRADIENT_OPS ? secondOrder(definition, loss, grads, outputs) : { direction: [] }),
  };
}

/**
 * H·v (forward over reverse: the gradient DAG differentiated along v) and the dense Hessian, for models
 * within the size limits above. `loss` is the simplified loss and `grads` its gradient.
 */
function secondOrder(definition: ModelDefinition, loss: Expr, grads: readonly Expr[], outputs: readonly Expr[]): SecondOrderPrograms {
  const P = definition.params.length;
  if (P > HVP_MAX_PARAMS) return { direction: [] };
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const direction = directionSymbols(P, freeSymbols([loss, ...outputs]));
  const hvp = directionalDerivative(grads, definition.params, direction);
  return {
    hessianVectorProduct: schedule(lowerStable([loss, ...hvp]), { varying: perSample }),
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

/** Simplify → lower → schedule of a small per-sample program (everything varies). */
function scalarProgram(roots: readonly Expr[]): Program {
  return schedule(lowerStable(roots));
}

function compileLoops(definition: ModelDefinition, plan: LayerPlan): LoopModel {
  const [loss] = simplifyAll([plan.headLoss]);
  const headLoss = scalarProgram([loss]);
  const headLossAndGradient = scalarProgram([loss, ...gradient(loss, plan.headInputs)]);
  const headPredict = scalarProgram(simplifyAll(plan.headOutputs));
  const kernels = new Map<Activation, ActivationKernel>();
  for (const layer of plan.layers) {
    if (layer.activation !== "linear" && !kernels.has(layer.activation)) kernels.set(layer.activation, activationKernel(layer.activation));
  }
  return {
    strategy: "loops", definition, plan, headLoss, headLossAndGradient, headPredict, kernels,
    ops: loopOps(plan, headLoss, headLossAndGradient, kernels),
    ...loopSecondOrder(definition),
  };
}

/** A loop model small enough for unrolled H·v gets it from the whole network's scalar gradient. */
function loopSecondOrder(definition: ModelDefinition): SecondOrderPrograms {
  if (definition.params.length > HVP_MAX_PARAMS) return { direction: [] };
  const [loss] = simplifyAll([definition.loss]);
  const outputs = simplifyAll(definition.outputs);
  return secondOrder(definition, loss, gradient(loss, definition.params), outputs);
}

/**
 * f'(z) as the derivative table writes it; where it is written with f(z) itself (tanh' = 1 − tanh²),
 * that is read from the stored activation a instead of being computed again. Otherwise (σ' = σ(z)σ(−z),
 * whose stable lowering is e·r² from one exp(−|z|)) it is computed from z.
 */
function activationKernel(activation: Activation): ActivationKernel {
  const [z, a, g] = [sym("z"), sym("a"), sym("g")];
  const f = ACTIVATIONS[activation](z);
  const [fz] = simplifyAll([f]);
  const derivative = diff(fz, z);
  const fromA = replaceNode(derivative, fz, a);
  const needsZ = freeSymbols([fromA]).has("z");
  return {
    activation,
    forward: scalarProgram([fz]),
    backward: scalarProgram(simplifyAll([mul(g, needsZ ? derivative : fromA)])),
    needsZ,
  };
}

/** `e` with every occurrence of `target` replaced by `by` (small kernels only: recursive). */
function replaceNode(e: Expr, target: Expr, by: Expr): Expr {
  if (e === target) return by;
  if (e.args.length === 0) return e;
  const args = e.args.map((x) => replaceNode(x, target, by));
  return rebuild(e.op, args, e);
}

/**
 * Operations per sample of the loop form: per layer of U units over F inputs, forward U·F multiplies
 * and U·F adds plus U activations; backward U·F multiply-adds for the weight gradient, U adds for the
 * bias, and (below the first layer) U·F multiply-adds and F activation derivatives for the delta.
 */
function loopOps(plan: LayerPlan, headLoss: Program, headLossAndGradient: Program, kernels: ReadonlyMap<Activation, ActivationKernel>): OpTotals {
  let forward = 0;
  let backward = 0;
  plan.layers.forEach((layer, l) => {
    const U = layer.z.length;
    const F = layer.inputs.length;
    const kernel = layer.activation === "linear" ? undefined : kernels.get(layer.activation);
    forward += 2 * U * F + U * (kernel?.forward.counts.total ?? 0);
    backward += 2 * U * F + U;
    if (l > 0) {
      const below = plan.layers[l - 1];
      const belowKernel = below.activation === "linear" ? undefined : kernels.get(below.activation);
      backward += 2 * U * F + F * (belowKernel?.backward.counts.total ?? 0);
    }
  });
  return { loss: forward + headLoss.counts.total, lossAndGradient: forward + headLossAndGradient.counts.total + backward };
}
