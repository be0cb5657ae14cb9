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
import { sym, type Expr } from "./symbolic/expr.ts";
import { freeSymbols, topologicalOrder } from "./symbolic/dag.ts";
import { directionalDerivative, jacobianOfGradient, upperTriangle } from "./symbolic/second-order.ts";
import { lowerStable, type LowerOptions } from "./symbolic/lower.ts";
import { schedule, type Program } from "./symbolic/schedule.ts";
import { simplifyAll } from "./symbolic/simplify.ts";

export type Strategy = "auto" | "unrolled" | "loops";

/** Operations per sample, as the header and MODEL.ops report them. */
export interface OpTotals {
  readonly loss: number;
  readonly lossAndGradient: number;
}

/**
 * Second-order programs. Every model gets H·v in one of two forms:
 * - unrolled: one per-sample program [loss, (H·v)[0], …], printed like the gradient's;
 * - loops: for a model emitted as loops (and for a layered model above HVP_MAX_PARAMS whose
 *   first-order functions are unrolled), Pearlmutter's R-operator through the layers as blocked loops
 *   (emit/loops-hvp.ts), with only the head and the activations' kernels as scalar programs.
 * The dense Hessian is unrolled, for small models only.
 */
export interface SecondOrderPrograms {
  /** Per sample: [loss, (H·v)[0], …], reading v from the symbols named `direction` (the unrolled form). */
  readonly hessianVectorProduct?: Program;
  /** Names of the symbols that hold v, one per parameter (chosen not to clash with the model's); empty without unrolled H·v. */
  readonly direction: readonly string[];
  /** The loop form of H·v (loop models; layered models above HVP_MAX_PARAMS parameters). */
  readonly loopHessianVectorProduct?: LoopHessianVectorProduct;
  /** Per sample: [loss, H[j][k] for j ≤ k, row by row]; only for models of ≤ HESSIAN_MAX_PARAMS parameters. */
  readonly hessian?: Program;
}

/**
 * H·v by the R-operator through dense layers (R{x} = the directional derivative of x along v):
 *   forward   Rz = W·Ra + V·a + v_b,  Ra = f'(z)·Rz        (V, v_b: v's entries for W, b)
 *   head      R{∂loss/∂h} = (∂²loss/∂h²)·Rh                 (the head program below)
 *   backward  δ = f'(z)·g,  Rδ = f''(z)·Rz·g + f'(z)·Rg,  g = Wᵀδ,  Rg = Wᵀ·Rδ + Vᵀ·δ
 *   out       R{∂loss/∂W} = Rδ·aᵀ + δ·Raᵀ,  R{∂loss/∂b} = Rδ.
 */
export interface LoopHessianVectorProduct {
  readonly plan: LayerPlan;
  /** As LoopModel.features. */
  readonly features?: Program;
  /** Per sample, reading plan.headInputs, the symbols `headTangents` (Rh) and the targets: [loss, ∂loss/∂h_k…, R{∂loss/∂h_k}…]. */
  readonly head: Program;
  readonly headTangents: readonly string[];
  /** Per activation of a layer: reads symbols z and rz; outputs [f(z), f'(z), f''(z)·rz], sharing their transcendental calls. */
  readonly kernels: ReadonlyMap<Activation, Program>;
  /** Operations per sample (counted like loopOps). */
  readonly ops: number;
}

/** Operations per sample of H·v in whichever form the model has it. */
export function hessianVectorProductOps(compiled: SecondOrderPrograms): number | undefined {
  return compiled.hessianVectorProduct?.counts.total ?? compiled.loopHessianVectorProduct?.ops;
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

/**
 * An activation's elementwise kernel: the forward pass computes a = f(z) and f'(z) together (sharing
 * their transcendental call: one expm1 for tanh, one exp for σ) and stores both, so the backward pass
 * only multiplies by the stored f'(z).
 */
export interface ActivationKernel {
  readonly activation: Activation;
  /** Reads symbol z; outputs [f(z), f'(z)]. */
  readonly forward: Program;
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
  /** plan.features per sample, reading the model's inputs (undefined: the first layer reads the inputs). */
  readonly features?: Program;
  readonly kernels: ReadonlyMap<Activation, ActivationKernel>;
  readonly ops: OpTotals;
}

export type CompiledModel = UnrolledModel | LoopModel;

/**
 * The crossover between the two strategies, measured with `npx tsx test/bench/crossover.ts` (same
 * data, 200 rows; tanh and sigmoid hidden with a sigmoid output and BCE, tanh hidden with softmax and
 * cross-entropy; per-batch lossAndGradient, ratio loops/unrolled in one process): see the tables in
 * README.md's performance section. Without a hidden layer (2-1) unrolled code is faster (loops 1.18–1.32×);
 * at 2 units loops win on an idle machine (0.79–0.81×) but not always under load (up to 1.06×); from 4
 * units on, loops win in every configuration, idle or loaded (0.68–0.89×).
 */
export const LOOP_MIN_WIDTH = 4;

/** Units of the plan's widest layer: what the choices made by width (LOOP_MIN_WIDTH, loops.ts' register blocks) compare. */
export function widestLayer(plan: LayerPlan): number {
  return Math.max(...plan.layers.map((layer) => layer.z.length));
}

/**
 * Largest model that gets a dense `hessian` function: p(p + 1)/2 entries per sample, unrolled. At 65
 * parameters (mlp_2_16_1) that was 3 184 operations and two thirds of a 180 KB module, which the
 * playground's bundle had to carry; Newton's method needs only the Hessian-vector product, so the dense
 * Hessian is kept for small models (the seed's 9 parameters: 45 entries).
 */
export const HESSIAN_MAX_PARAMS = 32;

/**
 * Largest layered model whose `hessianVectorProduct` is unrolled when its first-order functions are
 * (below LOOP_MIN_WIDTH, or asked for with the "unrolled" strategy); above it, models with a layer plan
 * get the loop form, which every loop model gets anyway (loopSecondOrder). Unrolled, H·v costs 2–4.5×
 * the gradient's code: for 2-16-16-1 (337 parameters) 6 602 operations per sample and 190 KB of the
 * module (which put the playground's bundle over its 200 KB budget), for 2-64-64-1 97 000 operations
 * and 5 MB; the loop form is a few KB whatever the width. Models without a layer plan have no other
 * form: they get unrolled H·v up to SECOND_ORDER_MAX_GRADIENT_OPS (the chunked layout keeps every part
 * optimizable by V8, so only the module's size grows).
 */
export const HVP_MAX_PARAMS = 128;

/**
 * Largest unrolled loss+gradient program (operations per sample) that also gets an unrolled H·v: the one
 * upper limit on H·v for models without a layer plan. H·v costs 2–4.5× the gradient's operations (a
 * deep chain of shared-weight tanh layers: 4.2×), so at this limit it adds ~140 000 operations per sample
 * (a 1 800-deep chain, counted with the compact tanh: a 9.3 MB module with H·v and the accurate tanh',
 * 37 s of CPU and 2.1 GB to generate on this machine). Above it a module would be tens of MB: the 20 000-deep
 * chain of test/bench/deep-chain.ts (4 parameters, 360 000 operations of loss and gradient, a 16 MB
 * module) would need ~60 MB of H·v, more than prettier can format in Node's default heap. Every shipped
 * model is far below it (the largest unrolled gradient, softmax_2_8_3's, has 241 operations).
 */
export const SECOND_ORDER_MAX_GRADIENT_OPS = 32_768;

/**
 * Largest unrolled loss+gradient program that also gets the dense Hessian (with at most
 * HESSIAN_MAX_PARAMS parameters): its p(p + 1)/2 entries cost more than H·v (a 400-deep chain with 4
 * parameters: 43 000 operations per sample against H·v's 31 000), and Newton needs only H·v.
 */
export const HESSIAN_MAX_GRADIENT_OPS = 4096;

export function compileModel(definition: ModelDefinition, strategy: "unrolled"): UnrolledModel;
export function compileModel(definition: ModelDefinition, strategy?: Strategy): CompiledModel;
export function compileModel(definition: ModelDefinition, strategy: Strategy = "auto"): CompiledModel {
  if (strategy !== "unrolled") {
    const plan = planLayers(definition);
    if ("reason" in plan) {
      if (strategy === "loops") throw new Error(`compile(${definition.name}): cannot emit loops: ${plan.reason}`);
    } else if (strategy === "loops" || widestLayer(plan) >= LOOP_MIN_WIDTH) {
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
  // Sized as 1 − tanh² makes it (the limits below were measured so); within SECOND_ORDER_MAX_GRADIENT_OPS,
  // every program is lowered with the accurate tanh' (lower.ts, tanhParts), which costs ~20 operations
  // per tanh around one expm1: more than a very large program affords (a 20 000-deep tanh chain ran out
  // of a 4 GB heap with it), so larger ones keep Math.tanh and 1 − tanh², accurate in absolute terms only.
  const compact = schedule(lowerStable([loss, ...grads], COMPACT_TANH), { varying: perSample });
  const gradientOps = compact.counts.total;
  const options = gradientOps <= SECOND_ORDER_MAX_GRADIENT_OPS ? {} : COMPACT_TANH;
  const usesTanh = topologicalOrder([loss, ...outputs]).some((n) => n.op === "tanh");
  const lossAndGradient = usesTanh && options !== COMPACT_TANH ? schedule(lowerStable([loss, ...grads]), { varying: perSample }) : compact;
  const lossProgram = schedule(lowerStable([loss], options), { varying: perSample });
  return {
    strategy: "unrolled",
    definition,
    loss: lossProgram,
    lossAndGradient,
    predict: schedule(lowerStable(outputs, options), { varying: new Set(names(definition.inputs)) }),
    ops: { loss: lossProgram.counts.total, lossAndGradient: lossAndGradient.counts.total },
    ...(definition.params.length > HVP_MAX_PARAMS ? loopHvpIfLayered(definition) : undefined) ??
      (gradientOps <= SECOND_ORDER_MAX_GRADIENT_OPS ? secondOrder(definition, loss, grads, outputs, gradientOps <= HESSIAN_MAX_GRADIENT_OPS) : { direction: [] }),
  };
}

/** Lowering for unrolled programs above SECOND_ORDER_MAX_GRADIENT_OPS (see compileUnrolled). */
const COMPACT_TANH: LowerOptions = { compactTanh: true };

/**
 * H·v (forward over reverse: the gradient DAG differentiated along v) and the dense Hessian, for models
 * within the size limits above. `loss` is the simplified loss and `grads` its gradient; `smallGradient`
 * says the loss+gradient program is within HESSIAN_MAX_GRADIENT_OPS.
 */
function secondOrder(definition: ModelDefinition, loss: Expr, grads: readonly Expr[], outputs: readonly Expr[], smallGradient: boolean): SecondOrderPrograms {
  const P = definition.params.length;
  const names = (list: readonly { name: string }[]) => list.map((s) => s.name);
  const perSample = new Set([...names(definition.inputs), ...names(definition.targets)]);
  const direction = directionSymbols(P, freeSymbols([loss, ...outputs]));
  const hvp = directionalDerivative(grads, definition.params, direction);
  return {
    hessianVectorProduct: schedule(lowerStable([loss, ...hvp]), { varying: perSample }),
    direction: direction.map((s) => s.name),
    hessian: P <= HESSIAN_MAX_PARAMS && smallGradient ? schedule(lowerStable([loss, ...upperHessian(grads, definition.params)]), { varying: perSample }) : undefined,
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

/** Lower → schedule of a small per-sample program (everything varies). */
function scalarProgram(roots: readonly Expr[]): Program {
  return schedule(lowerStable(roots));
}

/** The first layer's features per sample (constants of the parameters: nothing is differentiated). */
function featureProgram(plan: LayerPlan): Program | undefined {
  return plan.features && scalarProgram(simplifyAll(plan.features));
}

function compileLoops(definition: ModelDefinition, plan: LayerPlan): LoopModel {
  const [loss] = simplifyAll([plan.headLoss]);
  const headLoss = scalarProgram([loss]);
  const headLossAndGradient = scalarProgram([loss, ...gradient(loss, plan.headInputs)]);
  const headPredict = scalarProgram(simplifyAll(plan.headOutputs));
  const features = featureProgram(plan);
  const kernels = new Map<Activation, ActivationKernel>();
  for (const layer of plan.layers) {
    if (layer.activation !== "linear" && !kernels.has(layer.activation)) kernels.set(layer.activation, activationKernel(layer.activation));
  }
  return {
    strategy: "loops", definition, plan, headLoss, headLossAndGradient, headPredict, kernels,
    ...(features ? { features } : {}),
    ops: loopOps(plan, headLoss, headLossAndGradient, kernels, features),
    ...loopSecondOrder(definition, plan),
  };
}

/**
 * A loop model gets H·v as loops too, whatever its size: at 51–65 parameters (softmax_2_8_3,
 * mlp_2_16_1, regression_2_16_1) the loop form took 0.74–0.78× the unrolled form's time per 200-row
 * batch, and it is a few KB of code where the unrolled one was 9–17 KB (README, "Second order"). Only
 * the dense Hessian, for models of at most HESSIAN_MAX_PARAMS parameters, still needs the whole
 * network's scalar gradient.
 */
function loopSecondOrder(definition: ModelDefinition, plan: LayerPlan): SecondOrderPrograms {
  const loopForm = { direction: [], loopHessianVectorProduct: loopHvp(definition, plan) };
  if (definition.params.length > HESSIAN_MAX_PARAMS) return loopForm;
  const [loss] = simplifyAll([definition.loss]);
  const perSample = new Set([...definition.inputs, ...definition.targets].map((s) => s.name));
  const hessian = schedule(lowerStable([loss, ...upperHessian(gradient(loss, definition.params), definition.params)]), { varying: perSample });
  return { ...loopForm, hessian };
}

/**
 * A layered model above HVP_MAX_PARAMS gets the loop H·v even when its first-order functions are
 * unrolled (a strategy only asked for explicitly, by tests and benchmarks).
 */
function loopHvpIfLayered(definition: ModelDefinition): SecondOrderPrograms | undefined {
  const plan = planLayers(definition);
  return "reason" in plan ? undefined : { direction: [], loopHessianVectorProduct: loopHvp(definition, plan) };
}

function loopHvp(definition: ModelDefinition, plan: LayerPlan): LoopHessianVectorProduct {
  const [headLoss] = simplifyAll([plan.headLoss]);
  const taken = new Set([...definition.targets, ...plan.headInputs].map((s) => s.name));
  const tangents = directionSymbols(plan.headInputs.length, taken);
  const headGradient = gradient(headLoss, plan.headInputs);
  const head = scalarProgram([headLoss, ...headGradient, ...directionalDerivative(headGradient, plan.headInputs, tangents)]);
  const kernels = new Map<Activation, Program>();
  for (const layer of plan.layers) {
    if (layer.activation !== "linear" && !kernels.has(layer.activation)) kernels.set(layer.activation, secondOrderKernel(layer.activation));
  }
  const features = featureProgram(plan);
  return {
    plan, head, headTangents: tangents.map((s) => s.name), kernels, ...(features ? { features } : {}),
    ops: loopHvpOps(plan, head, kernels) + (features?.counts.total ?? 0),
  };
}

/** [f(z), f'(z), f''(z)·rz] for the symbols z and rz (tanh' as sech², relatively accurate: lower.ts). */
function secondOrderKernel(activation: Activation): Program {
  const [z, rz] = [sym("z"), sym("rz")];
  const [f] = simplifyAll([ACTIVATIONS[activation](z)]);
  const f1 = diff(f, z);
  const f2 = directionalDerivative([f1], [z], [rz])[0];
  return scalarProgram([f, f1, f2]);
}

/**
 * Operations per sample of the loop H·v, counted like loopOps: per layer of U units over F inputs,
 * forward 2UF for z and 2UF (first layer) or 4UF for Rz, U kernels and U products Ra = f'·Rz; the
 * head, and per activated last-layer unit 4 to form δ and Rδ; backward 2UF (first layer) or 4UF for
 * the weights' R-gradient, U for the biases', and below the first layer 6UF for g and Rg and 4F for
 * the layer below's δ and Rδ.
 */
function loopHvpOps(plan: LayerPlan, head: Program, kernels: ReadonlyMap<Activation, Program>): number {
  const activated = (l: number) => plan.layers[l].activation !== "linear";
  const kernelOps = (l: number) => (activated(l) ? kernels.get(plan.layers[l].activation as Activation)!.counts.total + 1 : 0);
  let ops = head.counts.total + (activated(plan.layers.length - 1) ? 4 * plan.headInputs.length : 0);
  plan.layers.forEach((layer, l) => {
    const U = layer.z.length;
    const F = layer.inputs.length;
    ops += 2 * U * F + (l > 0 ? 4 : 2) * U * F + U * kernelOps(l); // forward
    ops += (l > 0 ? 4 : 2) * U * F + U; // R-gradient
    if (l > 0) ops += 6 * U * F + (activated(l - 1) ? 4 * F : 0); // g, Rg and the layer below's δ, Rδ
  });
  return ops;
}

/**
 * f(z) and f'(z) as one scalar program, so that they share their transcendental call through the
 * stable lowering: tanh(z) and sech²(z) from one expm1, σ(z) and σ(z)·σ(−z) from one exp(−|z|).
 * Against the former kernels (Math.tanh forward, g·(1 − a²) backward from the stored a; σ' recomputed
 * from z), old and new modules in one process on a loaded machine, lossAndGradient: 2-16-16-1
 * 1.01–1.013×, 2-64-64-1 0.967×, 2-16-1 1.09×; loop H·v 0.57–0.87× (its kernel lost a tanh and an exp).
 */
function activationKernel(activation: Activation): ActivationKernel {
  const z = sym("z");
  const [fz] = simplifyAll([ACTIVATIONS[activation](z)]);
  return { activation, forward: scalarProgram([fz, diff(fz, z)]) };
}

/**
 * Operations per sample of the loop form: per layer of U units over F inputs, forward U·F multiplies
 * and U·F adds plus U activation kernels (f and f'); backward U·F multiply-adds for the weight gradient,
 * U adds for the bias, and (below the first layer) U·F multiply-adds and F products by the stored f'
 * for the delta.
 */
function loopOps(
  plan: LayerPlan, headLoss: Program, headLossAndGradient: Program, kernels: ReadonlyMap<Activation, ActivationKernel>, features: Program | undefined,
): OpTotals {
  let forward = features?.counts.total ?? 0;
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
      backward += 2 * U * F + (belowKernel ? F : 0);
    }
  });
  return { loss: forward + headLoss.counts.total, lossAndGradient: forward + headLossAndGradient.counts.total + backward };
}
