/** The targets of issue 10, checked against one run's numbers. */
import type { VariantName, VariantResult } from "./measure-case.ts";

export interface ModelNumbers {
  readonly name: string;
  readonly variants: readonly VariantResult[];
  readonly generationMs: number;
  readonly moduleBytes: number;
  /** (import + first lossAndGradient) / warm call in a fresh process, when measured. */
  readonly coldStartRatio?: number;
}

export interface RunNumbers {
  readonly models: readonly ModelNumbers[];
  /** Wall time of `npm run generate -- --force` (median of fresh runs), when measured. */
  readonly wholeGenerationMs?: number;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when the model or variant was not run. */
  readonly met: boolean | undefined;
}

interface Target {
  readonly model?: string;
  readonly target: string;
  /** The measured quantity, or undefined when its inputs are missing. */
  readonly measure: (m: ModelNumbers | undefined, run: RunNumbers) => number | undefined;
  readonly unit: "×" | "× faster" | "s" | "KiB";
  readonly holds: (value: number) => boolean;
}

/** Generated time over the variant's time (e.g. 0.9 = generated 10 % faster); ≤ 1: generated is faster. */
const generatedOver = (variant: VariantName) => (m: ModelNumbers | undefined) => {
  const v = m?.variants.find((x) => x.variant === variant);
  return v && 1 / v.ratioToGenerated;
};
/** The variant's time over generated time (speed-up of generated over it). */
const speedupOver = (variant: VariantName) => (m: ModelNumbers | undefined) => m?.variants.find((x) => x.variant === variant)?.ratioToGenerated;
const generationSeconds = (m: ModelNumbers | undefined) => m && m.generationMs / 1000;
const moduleKiB = (m: ModelNumbers | undefined) => m && m.moduleBytes / 1024;

const TARGETS: readonly Target[] = [
  { model: "seed", target: "seed: generated ≤ 1.0× hand-written stable reference", measure: generatedOver("reference"), unit: "×", holds: (x) => x <= 1.0 },
  { model: "mlp_2_16_16_1", target: "2-16-16-1: ≥ 3.5× faster than the hand loop", measure: speedupOver("reference"), unit: "× faster", holds: (x) => x >= 3.5 },
  { model: "mlp_2_16_16_1", target: "2-16-16-1: ≥ 3× faster than tfjs-wasm", measure: speedupOver("tfjs-wasm"), unit: "× faster", holds: (x) => x >= 3 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: faster than tfjs-wasm (≤ 1.0×)", measure: generatedOver("tfjs-wasm"), unit: "×", holds: (x) => x <= 1.0 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: ≥ 2× faster than the hand loop", measure: speedupOver("reference"), unit: "× faster", holds: (x) => x >= 2 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: module ≤ 150 KiB", measure: moduleKiB, unit: "KiB", holds: (x) => x <= 150 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: cold start ≤ 20× the warm call", measure: (m) => m?.coldStartRatio, unit: "×", holds: (x) => x <= 20 },
  { model: "mlp_2_128_128_1", target: "2-128-128-1: faster than tfjs-wasm (≤ 1.0×)", measure: generatedOver("tfjs-wasm"), unit: "×", holds: (x) => x <= 1.0 },
  { model: "mlp_2_128_128_1", target: "2-128-128-1: generation ≤ 3 s", measure: generationSeconds, unit: "s", holds: (x) => x <= 3 },
  { model: "mlp_2_256_256_1", target: "2-256-256-1: within 1.2× of tfjs-wasm", measure: generatedOver("tfjs-wasm"), unit: "×", holds: (x) => x <= 1.2 },
  { model: "mlp_2_256_256_1", target: "2-256-256-1: generation ≤ 5 s", measure: generationSeconds, unit: "s", holds: (x) => x <= 5 },
  { model: "mlp_2_256_256_1", target: "2-256-256-1: module ≤ 300 KiB", measure: moduleKiB, unit: "KiB", holds: (x) => x <= 300 },
  { target: "npm run generate, all shipped models: ≤ 3 s", measure: (_, run) => run.wholeGenerationMs && run.wholeGenerationMs / 1000, unit: "s", holds: (x) => x <= 3 },
];

export function checkTargets(run: RunNumbers): TargetCheck[] {
  return TARGETS.map((t) => {
    const m = t.model === undefined ? undefined : run.models.find((x) => x.name === t.model);
    const value = t.model !== undefined && !m ? undefined : t.measure(m, run);
    if (value === undefined) return { target: t.target, measured: "not run", met: undefined };
    const unit = t.unit === "s" || t.unit === "KiB" ? ` ${t.unit}` : t.unit;
    return { target: t.target, measured: `${Number(value.toPrecision(3))}${unit}`, met: t.holds(value) };
  });
}
