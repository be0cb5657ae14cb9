/**
 * What the benchmark measures: each model with its generated module, its hand-written reference and
 * whether the naive interpreter is affordable, all on the seed's 200-sample dataset with seeded
 * parameters drawn the way training draws them (src/init.ts).
 */
import { MODELS } from "../../generated/index.ts";
import type { ModelDefinition } from "../../generator/model.ts";
import { SHIPPED_MODELS } from "../../generator/models/index.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { clusters, type Dataset } from "../../src/data.ts";
import { randomParams } from "../../src/init.ts";
import { mlpReference, type LossAndGradient } from "./reference-mlp.ts";
import { seedReferenceLossAndGradient } from "./reference-seed.ts";
import type { HiddenActivation } from "./tfjs-peer.ts";

export interface BenchCase {
  readonly name: string;
  readonly definition: ModelDefinition;
  readonly module: GeneratedModel;
  readonly reference: LossAndGradient;
  /** What the reference is, for the table. */
  readonly referenceKind: "unrolled" | "loop";
  /** The per-parameter tree walk explodes with width; it is only timed where it finishes. */
  readonly naive: boolean;
  readonly data: Dataset;
  readonly params: Float64Array;
  /** The same network for the TensorFlow.js peers (absent: no tfjs peer for this model). */
  readonly tfjs?: { readonly layers: readonly number[]; readonly activation: HiddenActivation };
}

interface CaseSpec {
  readonly name: keyof typeof MODELS;
  readonly reference: LossAndGradient;
  readonly referenceKind: BenchCase["referenceKind"];
  readonly naive: boolean;
  readonly tfjs?: BenchCase["tfjs"];
}

const SPECS: readonly CaseSpec[] = [
  { name: "seed", reference: seedReferenceLossAndGradient, referenceKind: "unrolled", naive: true, tfjs: { layers: [2, 2, 1], activation: "sigmoid" } },
  { name: "mlp_2_16_1", reference: mlpReference([2, 16, 1]), referenceKind: "loop", naive: true, tfjs: { layers: [2, 16, 1], activation: "tanh" } },
  { name: "mlp_2_16_16_1", reference: mlpReference([2, 16, 16, 1]), referenceKind: "loop", naive: false, tfjs: { layers: [2, 16, 16, 1], activation: "tanh" } },
  { name: "mlp_2_64_64_1", reference: mlpReference([2, 64, 64, 1]), referenceKind: "loop", naive: false, tfjs: { layers: [2, 64, 64, 1], activation: "tanh" } },
  { name: "mlp_2_128_128_1", reference: mlpReference([2, 128, 128, 1]), referenceKind: "loop", naive: false, tfjs: { layers: [2, 128, 128, 1], activation: "tanh" } },
  { name: "mlp_2_256_256_1", reference: mlpReference([2, 256, 256, 1]), referenceKind: "loop", naive: false, tfjs: { layers: [2, 256, 256, 1], activation: "tanh" } },
];

export const CASE_NAMES: readonly string[] = SPECS.map((s) => s.name);

/** The cases to run, in SPECS order; `only` (names) selects a subset. */
export function benchCases(only?: readonly string[]): BenchCase[] {
  const unknown = (only ?? []).filter((name) => !CASE_NAMES.includes(name));
  if (unknown.length) throw new Error(`unknown model(s): ${unknown.join(", ")} (valid: ${CASE_NAMES.join(", ")})`);
  const data = clusters({ n: 100, seed: 42 });
  return SPECS.filter((s) => !only || only.includes(s.name)).map((spec) => {
    const definition = SHIPPED_MODELS.find((m) => m.name === spec.name);
    if (!definition) throw new Error(`no shipped model definition named ${spec.name}`);
    const module: GeneratedModel = MODELS[spec.name];
    return { ...spec, definition, module, data, params: randomParams(module.PARAM_NAMES, `bench/${spec.name}`) };
  });
}
