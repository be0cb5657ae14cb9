/** The models symgrad ships, sorted by name. Each becomes generated/<name>.ts. */
import logistic from "./logistic.ts";
import mlp_2_16_1 from "./mlp_2_16_1.ts";
import mlp_2_16_16_1 from "./mlp_2_16_16_1.ts";
import mlp_2_64_64_1 from "./mlp_2_64_64_1.ts";
import mlp_2_128_128_1 from "./mlp_2_128_128_1.ts";
import mlp_2_256_256_1 from "./mlp_2_256_256_1.ts";
import regression_2_16_1 from "./regression_2_16_1.ts";
import seed from "./seed.ts";
import softmax_2_8_3 from "./softmax_2_8_3.ts";
import type { ModelDefinition } from "../model.ts";

export const SHIPPED_MODELS: readonly ModelDefinition[] = [
  logistic,
  mlp_2_16_1,
  mlp_2_16_16_1,
  mlp_2_64_64_1,
  mlp_2_128_128_1,
  mlp_2_256_256_1,
  regression_2_16_1,
  seed,
  softmax_2_8_3,
];
