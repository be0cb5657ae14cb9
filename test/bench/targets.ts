/** The targets of issue 5, checked against one run's numbers. */
import type { VariantName, VariantResult } from "./measure-case.ts";

export interface ModelNumbers {
  readonly name: string;
  readonly variants: readonly VariantResult[];
  readonly generationMs: number;
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** undefined when the model or variant was not run. */
  readonly met: boolean | undefined;
}

interface Target {
  readonly model: string;
  readonly target: string;
  /** The measured quantity, or undefined when its inputs are missing. */
  readonly measure: (m: ModelNumbers) => number | undefined;
  readonly unit: string;
  readonly holds: (value: number) => boolean;
}

/** Generated time over the variant's time, from medians (e.g. 0.9 = generated 10 % faster). */
const generatedOver = (variant: VariantName) => (m: ModelNumbers) => {
  const v = m.variants.find((x) => x.variant === variant);
  return v && 1 / v.ratioToGenerated;
};
/** The variant's time over generated time (speed-up of generated over it). */
const speedupOver = (variant: VariantName) => (m: ModelNumbers) => m.variants.find((x) => x.variant === variant)?.ratioToGenerated;

const TARGETS: readonly Target[] = [
  { model: "seed", target: "seed: generated ≤ 1.0× hand-written unrolled", measure: generatedOver("reference"), unit: "×", holds: (x) => x <= 1.0 },
  { model: "seed", target: "seed: generated ≥ 100× faster than naive", measure: speedupOver("naive"), unit: "× faster", holds: (x) => x >= 100 },
  { model: "seed", target: "seed: generated ≥ 20× faster than memoized interpreter", measure: speedupOver("memoized"), unit: "× faster", holds: (x) => x >= 20 },
  { model: "mlp_2_16_16_1", target: "2-16-16-1: generated ≤ 1.0× hand-written loop", measure: generatedOver("reference"), unit: "×", holds: (x) => x <= 1.0 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: generated ≤ 1.5× hand-written loop", measure: generatedOver("reference"), unit: "×", holds: (x) => x <= 1.5 },
  { model: "mlp_2_64_64_1", target: "2-64-64-1: generation < 30 s", measure: (m) => m.generationMs / 1000, unit: "s", holds: (x) => x < 30 },
];

export function checkTargets(models: readonly ModelNumbers[]): TargetCheck[] {
  return TARGETS.map((t) => {
    const m = models.find((x) => x.name === t.model);
    const value = m && t.measure(m);
    if (value === undefined) return { target: t.target, measured: "not run", met: undefined };
    return { target: t.target, measured: `${Number(value.toPrecision(3))}${t.unit === "s" ? " s" : t.unit}`, met: t.holds(value) };
  });
}
