/** A wide model: 2-128-128-1 tanh, sigmoid output, binary cross-entropy. Its dense layers are emitted as loops over the batch. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 128, 128, 1], activation: "tanh", output: "sigmoid", loss: "bce" });

export default defineModel({ name: "mlp_2_128_128_1", ...net });
