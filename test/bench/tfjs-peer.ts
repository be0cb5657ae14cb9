/**
 * TensorFlow.js as a benchmark peer: the same MLP (same parameters, data and loss) trained the way a
 * tfjs user would write it, on the wasm and the cpu backends. Only the benchmark imports tfjs.
 *
 * Parameters live in tf.variables (float32, as tfjs computes): W_l as fanIn×units, b_l as units, copied
 * once from the generated layout (per unit: its fan-in weights, then its bias). One timed call is what
 * a tfjs training step costs before the update: forward, loss, tf.variableGrads, and every gradient
 * read back with dataSync (the generated module also hands its gradient over in memory).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import "@tensorflow/tfjs-backend-cpu";

export type TfBackend = "wasm" | "cpu";
export type HiddenActivation = "tanh" | "sigmoid";

export interface TfPeer {
  readonly backend: TfBackend;
  /** Makes this peer's backend the active one (before each timing round). */
  activate(): Promise<void>;
  /** One forward + backward pass over the whole batch; returns the mean loss. */
  step(): number;
  /** [loss, …gradient] in the generated module's parameter order, as float64, for the agreement check. */
  lossAndGradientVector(): Float64Array;
  dispose(): void;
}

let quietened = false;
/** tfjs greets Node users on stdout/stderr with advice about tfjs-node; the bench prints tables there. */
function quietTfjs(): void {
  if (quietened) return;
  quietened = true;
  tf.env().set("IS_TEST", true);
}

/** The mean BCE-with-logits of sigmoid outputs: mean(max(z, 0) − z·y + log1p(exp(−|z|))), as tfjs writes it. */
function meanBce(z: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
}

/**
 * A peer for a network with `layers` units (input first, one sigmoid output unit), hidden activation
 * `activation`, binary cross-entropy; X is n×inputs and Y n×1, row-major.
 */
export async function tfjsPeer(
  backend: TfBackend,
  layers: readonly number[],
  activation: HiddenActivation,
  params: Float64Array,
  X: Float64Array,
  Y: Float64Array,
): Promise<TfPeer> {
  quietTfjs();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" failed to initialise`);
  await tf.ready();
  const n = Y.length;
  const weights: tf.Variable[] = [];
  const biases: tf.Variable[] = [];
  let offset = 0;
  for (let l = 1; l < layers.length; l++) {
    const fanIn = layers[l - 1];
    const units = layers[l];
    const w = new Float32Array(fanIn * units);
    const b = new Float32Array(units);
    for (let j = 0; j < units; j++, offset += fanIn + 1) {
      for (let i = 0; i < fanIn; i++) w[i * units + j] = params[offset + i];
      b[j] = params[offset + fanIn];
    }
    weights.push(tf.variable(tf.tensor2d(w, [fanIn, units]), true, `w${l}_${backend}`));
    biases.push(tf.variable(tf.tensor1d(b), true, `b${l}_${backend}`));
  }
  if (offset !== params.length) throw new RangeError(`tfjsPeer: ${params.length} parameters do not fit layers ${layers.join("-")}`);
  const x = tf.keep(tf.tensor2d(Float32Array.from(X), [n, layers[0]]));
  const y = tf.keep(tf.tensor2d(Float32Array.from(Y), [n, 1]));
  const variables = [...weights, ...biases];
  const act = activation === "tanh" ? tf.tanh : tf.sigmoid;

  const lossFn = (): tf.Scalar => {
    let a: tf.Tensor = x;
    for (let l = 0; l < weights.length; l++) {
      const z = tf.add(tf.matMul(a, weights[l]), biases[l]);
      a = l === weights.length - 1 ? z : act(z);
    }
    return meanBce(a, y);
  };
  /** Loss and gradients as tensors, kept alive for the caller to read and dispose. */
  const compute = () => tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossFn, variables);
    return { value, grads: variables.map((v) => grads[v.name]) };
  });

  return {
    backend,
    async activate() {
      if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" failed`);
    },
    step() {
      const { value, grads } = compute();
      const loss = value.dataSync()[0];
      for (const g of grads) g.dataSync(); // the gradient in memory, as the generated module leaves it
      tf.dispose([value, ...grads]);
      return loss;
    },
    lossAndGradientVector() {
      const { value, grads } = compute();
      const out = new Float64Array(params.length + 1);
      out[0] = value.dataSync()[0];
      let k = 1;
      for (let l = 0; l < weights.length; l++) {
        const fanIn = layers[l];
        const units = layers[l + 1];
        const gw = grads[l].dataSync();
        const gb = grads[weights.length + l].dataSync();
        for (let j = 0; j < units; j++) {
          for (let i = 0; i < fanIn; i++) out[k++] = gw[i * units + j];
          out[k++] = gb[j];
        }
      }
      tf.dispose([value, ...grads]);
      return out;
    },
    dispose() {
      tf.dispose([...variables, x, y]);
    },
  };
}
