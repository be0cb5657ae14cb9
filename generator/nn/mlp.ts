/**
 * Fully connected networks as expressions.
 *
 * Names (1-based, as the seed numbers its weights):
 * - inputs x1 … xn; targets y when there is one, else y1 … yk;
 * - w{l}_{j}_{i}: weight from unit i of layer l−1 to unit j of layer l (layer 0 is the input);
 * - b{l}_{j}: bias of unit j of layer l.
 * Parameters are ordered layer by layer and, within a layer, unit by unit: its weights, then its bias
 * (the seed's own order: w11, w12, b1, w21, w22, b2, v1, v2, b3).
 */
import { symbols, type Expr } from "../symbolic/expr.ts";
import { ACTIVATIONS, softmax, type Activation } from "./activations.ts";
import { dense, type DenseLayer } from "./dense.ts";
import { binaryCrossEntropy, crossEntropy, meanSquaredError } from "./losses.ts";

export type OutputKind = "sigmoid" | "linear" | "softmax";
export type LossKind = "bce" | "mse" | "cross-entropy";

export interface MlpSpec {
  /** Units per layer, input first: [2, 16, 16, 1]. */
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly output: OutputKind;
  readonly loss: LossKind;
}

export interface Network {
  readonly inputs: Expr[];
  readonly targets: Expr[];
  readonly params: Expr[];
  readonly outputs: Expr[];
  readonly loss: Expr;
  /** What the outputs mean (so defineModel need not infer it by simplifying the whole network). */
  readonly task: "binary" | "multiclass" | "regression";
  /** The dense layers, input side first (the last one is linear: the output function is in the loss head). */
  readonly layers: readonly DenseLayer[];
}

/** Which output goes with which loss; anything else is a modelling error. */
const LOSS_FOR_OUTPUT: Record<OutputKind, LossKind[]> = {
  sigmoid: ["bce", "mse"],
  softmax: ["cross-entropy"],
  linear: ["mse"],
};

function checkSpec(spec: MlpSpec): void {
  const { layers, activation, output, loss } = spec;
  if (!Array.isArray(layers) || layers.length < 2 || !layers.every((u) => Number.isInteger(u) && u >= 1)) {
    throw new RangeError(`mlp: layers must be at least two positive integers, got ${JSON.stringify(layers)}`);
  }
  if (!(activation in ACTIVATIONS)) {
    throw new RangeError(`mlp: unknown activation "${activation}" (valid: ${Object.keys(ACTIVATIONS).join(", ")})`);
  }
  const losses = LOSS_FOR_OUTPUT[output];
  if (!losses) throw new RangeError(`mlp: unknown output "${output}" (valid: ${Object.keys(LOSS_FOR_OUTPUT).join(", ")})`);
  if (!losses.includes(loss)) {
    throw new RangeError(`mlp: loss "${loss}" does not fit a ${output} output (valid: ${losses.join(", ")})`);
  }
  if (output === "softmax" && layers[layers.length - 1] < 2) throw new RangeError("mlp: a softmax output needs at least 2 units");
}

export function mlp(spec: MlpSpec): Network {
  checkSpec(spec);
  const { layers } = spec;
  const inputs = symbols(Array.from({ length: layers[0] }, (_, i) => `x${i + 1}`).join(" "));
  const k = layers[layers.length - 1];
  const targets = k === 1 ? symbols("y") : symbols(Array.from({ length: k }, (_, i) => `y${i + 1}`).join(" "));
  const params: Expr[] = [];
  const stack: DenseLayer[] = [];
  let activations: readonly Expr[] = inputs;
  for (let l = 1; l < layers.length; l++) {
    const last = l === layers.length - 1;
    const layer = dense(activations, layers[l], { layer: l, activation: last ? "linear" : spec.activation });
    stack.push(layer);
    for (const p of layer.params) params.push(p); // not push(...): 66 000 arguments are too many for a call
    activations = layer.outputs;
  }
  const outputs = outputLayer(spec.output, [...activations]);
  const loss =
    spec.loss === "bce"
      ? binaryCrossEntropy(outputs, targets)
      : spec.loss === "cross-entropy"
        ? crossEntropy(outputs, targets)
        : meanSquaredError(outputs, targets);
  const task = spec.output === "sigmoid" ? "binary" : spec.output === "softmax" ? "multiclass" : "regression";
  return { inputs, targets, params, outputs, loss, task, layers: stack };
}

function outputLayer(kind: OutputKind, z: Expr[]): Expr[] {
  if (kind === "softmax") return softmax(z);
  if (kind === "sigmoid") return z.map(ACTIVATIONS.sigmoid);
  return z;
}
