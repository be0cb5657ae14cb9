/**
 * A re-implementation, for comparison only, of the design of TensorFlow Playground's engine (its
 * `src/nn.ts`, Apache-2.0, github.com/tensorflow/playground): the network is a graph of Node and Link
 * objects; each training example runs a forward pass that stores every node's total input and output,
 * then a backward pass that stores each node's and link's error derivative and adds it to an
 * accumulator; after the batch, every weight and bias moves by the mean accumulated derivative.
 *
 * Written here from that description (no code copied). Two things differ from the original on purpose,
 * so that it computes exactly what the generated `mlp_2_16_16_1` module computes and can be checked
 * against it: the output node is a sigmoid with binary cross-entropy (the playground uses tanh with the
 * square error; both are pluggable objects in its design), and the parameters are loaded from and stored
 * to the generated module's flat array by name.
 */

/** An activation with its derivative, both as functions of the node's total input (as in the original). */
export interface Activation {
  output(total: number): number;
  derivative(total: number): number;
}

/** An error function of (output, target) and its derivative with respect to the output. */
export interface ErrorFunction {
  error(output: number, target: number): number;
  derivative(output: number, target: number): number;
}

export const TANH: Activation = {
  output: (x) => Math.tanh(x),
  derivative: (x) => {
    const t = Math.tanh(x);
    return 1 - t * t;
  },
};

export const SIGMOID: Activation = {
  output: (x) => 1 / (1 + Math.exp(-x)),
  derivative: (x) => {
    const s = 1 / (1 + Math.exp(-x));
    return s * (1 - s);
  },
};

/** Binary cross-entropy of a probability: −(y·log p + (1 − y)·log(1 − p)). */
export const CROSS_ENTROPY: ErrorFunction = {
  error: (p, y) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p)),
  derivative: (p, y) => (p - y) / (p * (1 - p)),
};

export class Link {
  weight = 0;
  /** Error derivative with respect to the weight for the last example, and summed since the last update. */
  errorDerivative = 0;
  accumulated = 0;
  count = 0;

  constructor(
    readonly source: Neuron,
    readonly dest: Neuron,
  ) {}
}

export class Neuron {
  readonly inputs: Link[] = [];
  readonly outputs: Link[] = [];
  bias = 0;
  totalInput = 0;
  output = 0;
  /** Error derivative with respect to the output, and with respect to the total input (= to the bias). */
  outputDerivative = 0;
  inputDerivative = 0;
  accumulated = 0;
  count = 0;

  constructor(
    readonly id: string,
    readonly activation: Activation,
  ) {}

  /** Recomputes the total input and the output from the input links. */
  update(): number {
    let total = this.bias;
    for (const link of this.inputs) total += link.weight * link.source.output;
    this.totalInput = total;
    this.output = this.activation.output(total);
    return this.output;
  }
}

/** Layers of neurons, fully connected; `shape` counts the inputs first, e.g. [2, 16, 16, 1]. */
export function buildNetwork(shape: number[], hidden: Activation, output: Activation): Neuron[][] {
  const network: Neuron[][] = [];
  shape.forEach((size, l) => {
    const activation = l === shape.length - 1 ? output : hidden;
    const layer = Array.from({ length: size }, (_, j) => new Neuron(`${l}_${j + 1}`, activation));
    if (l > 0) {
      for (const dest of layer) {
        for (const source of network[l - 1]) {
          const link = new Link(source, dest);
          source.outputs.push(link);
          dest.inputs.push(link);
        }
      }
    }
    network.push(layer);
  });
  return network;
}

/** One example forward: sets every node's total input and output; returns the (single) output. */
export function forward(network: Neuron[][], inputs: number[]): number {
  network[0].forEach((node, i) => (node.output = inputs[i]));
  for (let l = 1; l < network.length; l++) for (const node of network[l]) node.update();
  return network[network.length - 1][0].output;
}

/** One example backward (after forward): adds every link's and node's error derivative to its accumulator. */
export function backward(network: Neuron[][], target: number, error: ErrorFunction): void {
  const last = network[network.length - 1][0];
  last.outputDerivative = error.derivative(last.output, target);
  for (let l = network.length - 1; l >= 1; l--) {
    const layer = network[l];
    for (const node of layer) {
      node.inputDerivative = node.outputDerivative * node.activation.derivative(node.totalInput);
      node.accumulated += node.inputDerivative;
      node.count++;
      for (const link of node.inputs) {
        link.errorDerivative = node.inputDerivative * link.source.output;
        link.accumulated += link.errorDerivative;
        link.count++;
      }
    }
    if (l === 1) continue;
    for (const node of network[l - 1]) {
      let sum = 0;
      for (const link of node.outputs) sum += link.weight * link.dest.inputDerivative;
      node.outputDerivative = sum;
    }
  }
}

/** Gradient descent with the mean accumulated derivatives; clears the accumulators. */
export function updateWeights(network: Neuron[][], learningRate: number): void {
  for (let l = 1; l < network.length; l++) {
    for (const node of network[l]) {
      if (node.count > 0) node.bias -= (learningRate * node.accumulated) / node.count;
      node.accumulated = 0;
      node.count = 0;
      for (const link of node.inputs) {
        if (link.count > 0) link.weight -= (learningRate * link.accumulated) / link.count;
        link.accumulated = 0;
        link.count = 0;
      }
    }
  }
}

/**
 * How the generated modules name a dense network's parameters: w{layer}_{unit}_{input} and b{layer}_{unit},
 * 1-based. Returns, for each name, a getter and setter on the network's objects.
 */
function parameterSlots(network: Neuron[][]): Map<string, { get: () => number; set: (v: number) => void }> {
  const slots = new Map<string, { get: () => number; set: (v: number) => void }>();
  for (let l = 1; l < network.length; l++) {
    network[l].forEach((node, j) => {
      node.inputs.forEach((link, i) => slots.set(`w${l}_${j + 1}_${i + 1}`, { get: () => link.weight, set: (v) => (link.weight = v) }));
      slots.set(`b${l}_${j + 1}`, { get: () => node.bias, set: (v) => (node.bias = v) });
    });
  }
  return slots;
}

export function loadParameters(network: Neuron[][], names: readonly string[], params: Float64Array): void {
  const slots = parameterSlots(network);
  names.forEach((name, k) => {
    const slot = slots.get(name);
    if (!slot) throw new Error(`the network has no parameter "${name}"`);
    slot.set(params[k]);
  });
}

export function readParameters(network: Neuron[][], names: readonly string[]): Float64Array {
  const slots = parameterSlots(network);
  return Float64Array.from(names, (name) => slots.get(name)!.get());
}

/** The mean gradient the accumulators hold (before updateWeights clears them), in `names` order. */
export function accumulatedGradient(network: Neuron[][], names: readonly string[]): Float64Array {
  const grad = new Map<string, number>();
  for (let l = 1; l < network.length; l++) {
    network[l].forEach((node, j) => {
      node.inputs.forEach((link, i) => grad.set(`w${l}_${j + 1}_${i + 1}`, link.accumulated / link.count));
      grad.set(`b${l}_${j + 1}`, node.accumulated / node.count);
    });
  }
  return Float64Array.from(names, (name) => grad.get(name)!);
}

/**
 * One epoch as the original runs one step of full-batch training: every example forward and backward (an
 * input array made per example, as its oneStep does), then one update. Returns the mean loss before it.
 */
export function trainEpoch(network: Neuron[][], X: Float64Array, Y: Float64Array, learningRate: number, error: ErrorFunction): number {
  let loss = 0;
  for (let r = 0; r < Y.length; r++) {
    const output = forward(network, [X[2 * r], X[2 * r + 1]]);
    loss += error.error(output, Y[r]);
    backward(network, Y[r], error);
  }
  updateWeights(network, learningRate);
  return loss / Y.length;
}
