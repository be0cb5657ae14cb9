/** A wide model: 2-256-256-1 tanh, sigmoid output, binary cross-entropy. Its dense layers are emitted as loops over the batch. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 256, 256, 1], activation: "tanh", output: "sigmoid", loss: "bce" });

export default defineModel({ name: "mlp_2_256_256_1", ...net });
