/**
 * dense(): one fully connected layer, built as expressions AND recorded as a layer.
 *
 * The expressions (z_j = Σ_i w_j_i·a_i + b_j, then the activation) are what the symbolic core
 * differentiates and what the unrolled emitter prints. The record (`DenseLayer`: which symbols are
 * the weight matrix and biases, which expressions are its inputs and outputs) is what lets the
 * generator emit the layer as loops over the batch instead (generator/nn/layers.ts decides, from the
 * records a model carries, whether the whole model is a stack of dense layers followed by a small
 * head). Recording is exact where re-rolling the scalar program would have to guess: the records are
 * checked against the model's own expressions before they are trusted.
 *
 * Parameter names (1-based, as the seed numbers its weights): w{layer}_{j}_{i} from input i to unit
 * j, b{layer}_{j}; order: unit by unit, its weights, then its bias (the seed's own order).
 */
import { add, mul, sym, type Expr } from "../symbolic/expr.ts";
import { ACTIVATIONS, type Activation } from "./activations.ts";

/** An elementwise activation, or none ("linear": the layer's outputs are its pre-activations). */
export type LayerActivation = Activation | "linear";

export interface DenseLayer {
  readonly kind: "dense";
  /** The layer's number in parameter names (w{layer}_…). */
  readonly layer: number;
  readonly activation: LayerActivation;
  /** What the layer reads: the model's input symbols, or the previous layer's outputs. */
  readonly inputs: readonly Expr[];
  /** weights[j][i]: from input i to unit j (symbols). */
  readonly weights: readonly (readonly Expr[])[];
  /** biases[j] (symbols). */
  readonly biases: readonly Expr[];
  /** The parameters in the documented order (per unit: weights, then bias). */
  readonly params: readonly Expr[];
  /** Pre-activations z_j. */
  readonly z: readonly Expr[];
  /** activation(z_j), or z_j for a linear layer. */
  readonly outputs: readonly Expr[];
}

export interface DenseOptions {
  /** Number used in parameter names; layers of one model need distinct numbers. */
  readonly layer: number;
  /** Default: "linear". */
  readonly activation?: LayerActivation;
}

/** A dense layer of `units` units over `inputs` (symbols or a previous layer's outputs). */
export function dense(inputs: readonly Expr[], units: number, options: DenseOptions): DenseLayer {
  const { layer } = options;
  const activation = options.activation ?? "linear";
  if (!Array.isArray(inputs) || inputs.length === 0) throw new RangeError("dense: inputs must be a non-empty array of Expr");
  if (!Number.isInteger(units) || units < 1) throw new RangeError(`dense: units must be a positive integer, got ${String(units)}`);
  if (!Number.isInteger(layer) || layer < 0) throw new RangeError(`dense: layer must be a non-negative integer, got ${String(layer)}`);
  if (activation !== "linear" && !(activation in ACTIVATIONS)) {
    throw new RangeError(`dense: unknown activation "${activation}" (valid: linear, ${Object.keys(ACTIVATIONS).join(", ")})`);
  }
  const weights: (readonly Expr[])[] = [];
  const biases: Expr[] = [];
  const params: Expr[] = [];
  const z: Expr[] = [];
  for (let j = 1; j <= units; j++) {
    const row = inputs.map((_, i) => sym(`w${layer}_${j}_${i + 1}`));
    const bias = sym(`b${layer}_${j}`);
    weights.push(Object.freeze(row));
    biases.push(bias);
    for (const w of row) params.push(w);
    params.push(bias);
    z.push(add(...row.map((w, i) => mul(w, inputs[i])), bias));
  }
  const outputs = activation === "linear" ? z : z.map(ACTIVATIONS[activation]);
  // Frozen through and through: a model definition keeps the record, and checks made once stay true.
  const frozen = <T>(list: T[]) => Object.freeze(list);
  return Object.freeze({
    kind: "dense" as const, layer, activation,
    inputs: frozen([...inputs]), weights: frozen(weights), biases: frozen(biases), params: frozen(params), z: frozen(z), outputs: frozen(outputs),
  });
}
