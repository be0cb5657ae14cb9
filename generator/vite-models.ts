/**
 * Model definitions the Vite plugin (vite.ts) builds on request, on the server side only:
 * - mlpModel: any MLP spec, optionally on TensorFlow-Playground-style input features (x1², x1·x2, sin x1 …);
 * - probeModel: a companion model whose outputs are a model's hidden units, for per-neuron heat-maps.
 * The plugin loads this file through Vite's module runner, in the same module graph as the model files and
 * the pipeline, so every expression comes from one copy of the symbolic core.
 */
import { defineModel, freeSymbols, mlp, simplifyAll, symbols, topologicalOrder, type Expr, type ModelDefinition } from "./index.ts";
import { cos, mul, rebuild, sin } from "./symbolic/expr.ts";
import { rewriteBottomUp } from "./symbolic/dag.ts";
import type { Activation } from "./nn/activations.ts";
import type { LossKind, OutputKind } from "./nn/mlp.ts";

/**
 * Input features, by the name used in the virtual module's `features=` list. x1 and x2 are the model's
 * only inputs; every feature (x1², x1·x2, sin x1, cos x2, …) is an expression of them inside the
 * generated code, differentiated and simplified with the rest of the model.
 */
export const FEATURES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"] as const;
export type Feature = (typeof FEATURES)[number];

export interface MlpRequest {
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly output: OutputKind;
  readonly loss: LossKind;
  /** One feature per unit of layers[0]; default x1 … x{layers[0]}. */
  readonly features?: readonly Feature[];
}

/** Longest module name made here, leaving room for "_probe" within defineModel's 64 characters. */
const MAX_NAME = 58;

/**
 * The module name a request generates, e.g. mlp_2_8_8_1_tanh_sigmoid_bce (features appended when given).
 * A name longer than MAX_NAME keeps its start and ends in a hash of the whole, so it stays unique.
 */
export function mlpModelName(request: MlpRequest): string {
  const base = `mlp_${request.layers.join("_")}_${request.activation}_${request.output}_${request.loss.replace(/-/g, "")}`;
  const name = request.features ? `${base}_on_${request.features.join("_")}` : base;
  if (name.length <= MAX_NAME) return name;
  const hash = fnv1a(name).toString(16).padStart(8, "0");
  return `${name.slice(0, MAX_NAME - 9).replace(/_+$/, "")}_${hash}`;
}

/** 32-bit FNV-1a of a string: a short, stable fingerprint for names. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function mlpModel(request: MlpRequest): ModelDefinition {
  const features = request.features ?? defaultFeatures(request.layers[0]);
  const unknown = features.filter((f) => !(FEATURES as readonly string[]).includes(f));
  if (unknown.length > 0) throw new RangeError(`unknown feature(s) ${unknown.join(", ")} (valid: ${FEATURES.join(", ")})`);
  if (features.length !== request.layers[0]) {
    throw new RangeError(
      `layers[0] is ${request.layers[0]} but ${features.length} feature(s) were given (${features.join(", ")}); they must match`,
    );
  }
  const net = mlp({ layers: request.layers, activation: request.activation, output: request.output, loss: request.loss });
  const [x1, x2] = symbols("x1 x2");
  const featureExpr: Record<Feature, () => Expr> = {
    x1: () => x1,
    x2: () => x2,
    x1sq: () => mul(x1, x1),
    x2sq: () => mul(x2, x2),
    x1x2: () => mul(x1, x2),
    sin_x1: () => sin(x1),
    sin_x2: () => sin(x2),
    cos_x1: () => cos(x1),
    cos_x2: () => cos(x2),
  };
  // mlp() reads its own inputs x1 … xF; replace input i by feature i everywhere at once, in the loss and
  // outputs and in the dense layers' records (so the first layer reads the features, and the model keeps
  // its layer plan: wide networks on features are emitted as loops, like any mlp()).
  const replacement = new Map(net.inputs.map((input, i) => [input.name, featureExpr[features[i]]()]));
  const recordNodes = net.layers.flatMap((l) => [...l.inputs, ...l.z, ...l.outputs]);
  const [loss, ...rest] = rewriteBottomUp([net.loss, ...net.outputs, ...recordNodes], (node, args) =>
    node.op === "sym" ? (replacement.get(node.name) ?? node) : rebuild(node.op, args, node),
  );
  const outputs = rest.slice(0, net.outputs.length);
  let next = net.outputs.length;
  const take = (count: number) => rest.slice(next, (next += count));
  const layers = net.layers.map((l) => ({ ...l, inputs: take(l.inputs.length), z: take(l.z.length), outputs: take(l.outputs.length) }));
  return defineModel({
    name: mlpModelName(request),
    inputs: [x1, x2],
    targets: net.targets,
    params: net.params,
    outputs,
    loss,
    layers,
  });
}

function defaultFeatures(count: number): Feature[] {
  if (count > 2) throw new RangeError(`layers[0] is ${count}: name the ${count} inputs with features=… (valid: ${FEATURES.join(", ")})`);
  return FEATURES.slice(0, count) as Feature[];
}

const HIDDEN_OPS = new Set(["sigmoid", "tanh", "relu", "softplus"]);

/**
 * The same inputs, parameters and loss, with the hidden units as outputs: every sigmoid/tanh/relu/softplus
 * node of the simplified outputs that reads an input and is not itself an output, ordered by the bias it
 * adds (b1_1, b1_2, …, b2_1 … for mlp(); b1, b2 for the seed) so units come layer by layer.
 */
export function probeModel(model: ModelDefinition): ModelDefinition {
  const outputs = simplifyAll(model.outputs);
  const inputNames = new Set(model.inputs.map((s) => s.name));
  const hidden = topologicalOrder(outputs).filter(
    (node) =>
      HIDDEN_OPS.has(node.op) && !outputs.includes(node) && [...freeSymbols([node])].some((n) => inputNames.has(n)),
  );
  if (hidden.length === 0) throw new Error(`model "${model.name}" has no hidden units to probe`);
  const label = (node: Expr) => node.args[0].args.find((a) => a.op === "sym" && /^b/.test(a.name))?.name ?? "~";
  hidden.sort((a, b) => label(a).localeCompare(label(b), "en", { numeric: true }));
  return defineModel({
    name: `${model.name}_probe`,
    inputs: model.inputs,
    targets: model.targets,
    params: model.params,
    outputs: hidden,
    // The loss keeps every parameter in use (defineModel requires it); the page only calls predict.
    loss: model.loss,
    task: "regression",
  });
}
