/** A 2-16-16-1 tanh network with a sigmoid output and binary cross-entropy. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 16, 16, 1], activation: "tanh", output: "sigmoid", loss: "bce" });

export default defineModel({ name: "mlp_2_16_16_1", ...net });
