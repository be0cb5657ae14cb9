/**
 * One model's gradient variants: built, validated against the generated module, then timed in
 * interleaved rounds so that every ratio compares numbers from the same stretch of the same process.
 */
import type { Program } from "../../generator/index.ts";
import type { BenchCase } from "./cases.ts";
import { memoizedInterpreter } from "./memoized.ts";
import { naiveInterpreter } from "./naive.ts";
import type { LossAndGradient } from "./reference-mlp.ts";
import { tfjsPeer, type TfBackend, type TfPeer } from "./tfjs-peer.ts";
import { measureRound, median, summarize, warmUpAndCalibrate, type RoundOptions, type Summary } from "./timing.ts";
import { disagreements, lossAndGradientVector, worstRelativeError } from "./validate.ts";

export type VariantName = "generated" | "reference" | "memoized" | "naive" | "tfjs-wasm" | "tfjs-cpu";

/**
 * tfjs computes in float32, so it is held to float32 agreement: the loss and the gradient (as a vector,
 * ‖Δg‖₂ / ‖g‖₂) within this relative error of the generated module's float64 values.
 */
export const FLOAT32_TOLERANCE = 1e-5;

export interface VariantResult extends Summary {
  readonly variant: VariantName;
  readonly nsPerSample: number;
  /**
   * Time over the generated module's time: the median over rounds of the ratio of round medians. A
   * burst of load from another process then spoils one round's ratio instead of one variant's median.
   */
  readonly ratioToGenerated: number;
  /** The ratio of each round, to show how stable it is. */
  readonly roundRatios: number[];
  readonly repetitions: number;
  /** Largest relative disagreement with the generated module (see validate.ts). */
  readonly worstRelativeError: number;
}

export interface CaseTiming {
  readonly variants: VariantResult[];
  /** Variants not timed, with the reason. */
  readonly skipped: { variant: VariantName; reason: string }[];
}

/** A naive call slower than this is not timed (the 2-16-16-1 tree walk would take hours). */
const NAIVE_CAP_MS = 3000;
/** Warm-up of each variant before its first round, on top of tinybench's warm-up of every round. */
const WARMUP_MS = 500;

function buildVariants(c: BenchCase, program: Program | undefined): [VariantName, LossAndGradient][] {
  const variants: [VariantName, LossAndGradient][] = [
    ["generated", c.module.lossAndGradient],
    ["reference", c.reference],
  ];
  // The memoized interpreter runs the scalar program, which loop-emitted models do not build.
  if (program) variants.push(["memoized", memoizedInterpreter(c.definition, program)]);
  if (c.naive) variants.push(["naive", naiveInterpreter(c.definition)]);
  return variants;
}

/** Throws, naming every disagreeing component, unless all variants agree with the generated module. */
function validate(c: BenchCase, variants: [VariantName, LossAndGradient][]): Map<VariantName, number> {
  const { X, Y } = c.data;
  const expected = lossAndGradientVector(c.module.lossAndGradient, c.params, X, Y);
  const worst = new Map<VariantName, number>();
  for (const [name, f] of variants) {
    const actual = lossAndGradientVector(f, c.params, X, Y);
    const wrong = disagreements(expected, actual, c.module.PARAM_NAMES);
    if (wrong.length) {
      const lines = wrong.slice(0, 10).map((d) => `  ${d.component}: generated ${d.expected}, ${name} ${d.actual} (relative ${d.relative.toExponential(2)})`);
      throw new Error(`${c.name}: ${name} disagrees with the generated module in ${wrong.length} component(s):\n${lines.join("\n")}`);
    }
    worst.set(name, worstRelativeError(expected, actual));
  }
  return worst;
}

/** Relative error of a float32 peer's [loss, …gradient]: the larger of the loss's and the gradient vector's. */
function float32Error(expected: Float64Array, actual: Float64Array): number {
  const lossError = Math.abs(actual[0] - expected[0]) / Math.abs(expected[0]);
  let diff = 0;
  let norm = 0;
  for (let k = 1; k < expected.length; k++) {
    diff += (actual[k] - expected[k]) ** 2;
    norm += expected[k] ** 2;
  }
  return Math.max(lossError, Math.sqrt(diff / norm));
}

/** The tfjs peers of a case, each checked against the generated module (float32 tolerance). */
async function tfjsVariants(c: BenchCase, worst: Map<VariantName, number>): Promise<{ name: VariantName; peer: TfPeer }[]> {
  if (!c.tfjs) return [];
  const { X, Y } = c.data;
  const expected = lossAndGradientVector(c.module.lossAndGradient, c.params, X, Y);
  const out: { name: VariantName; peer: TfPeer }[] = [];
  for (const backend of ["wasm", "cpu"] as TfBackend[]) {
    const name: VariantName = `tfjs-${backend}`;
    const peer = await tfjsPeer(backend, c.tfjs.layers, c.tfjs.activation, c.params, X, Y);
    const error = float32Error(expected, peer.lossAndGradientVector());
    if (!(error <= FLOAT32_TOLERANCE)) throw new Error(`${c.name}: ${name} disagrees with the generated module: relative error ${error.toExponential(2)} > ${FLOAT32_TOLERANCE}`);
    worst.set(name, error);
    out.push({ name, peer });
  }
  return out;
}

export async function measureCase(c: BenchCase, program: Program | undefined, rounds: number, options: RoundOptions, progress: (line: string) => void): Promise<CaseTiming> {
  const all = buildVariants(c, program);
  const worst = validate(c, all);
  const peers = await tfjsVariants(c, worst);
  const checked = [...all.map(([n]) => n), ...peers.map((p) => p.name)];
  progress(`validated ${checked.join(", ")} against generated (worst relative error ${[...worst].map(([n, e]) => `${n} ${e.toExponential(1)}`).join(", ")})`);

  const { X, Y } = c.data;
  const grad = new Float64Array(c.params.length);
  const skipped: CaseTiming["skipped"] = [];
  const timed: { name: VariantName; call: () => number; activate?: () => Promise<void>; repetitions: number; samples: number[]; roundMedians: number[] }[] = [];
  const calls: { name: VariantName; call: () => number; activate?: () => Promise<void> }[] = [
    ...all.map(([name, f]) => ({ name, call: () => f(c.params, X, Y, grad) })),
    ...peers.map(({ name, peer }) => ({ name, call: () => peer.step(), activate: () => peer.activate() })),
  ];
  for (const { name, call, activate } of calls) {
    await activate?.();
    const start = performance.now();
    call();
    const firstMs = performance.now() - start;
    if (name === "naive" && firstMs > NAIVE_CAP_MS) {
      skipped.push({ variant: name, reason: `one call took ${Math.round(firstMs)} ms > cap ${NAIVE_CAP_MS} ms` });
      continue;
    }
    timed.push({ name, call, activate, repetitions: warmUpAndCalibrate(call, WARMUP_MS), samples: [], roundMedians: [] });
  }

  for (let r = 0; r < rounds; r++) {
    for (const v of timed) {
      await v.activate?.();
      const samples = measureRound(`${c.name}/${v.name}`, v.call, v.repetitions, options);
      v.samples.push(...samples);
      v.roundMedians.push(summarize(samples).medianUs);
      progress(`round ${r + 1}/${rounds}  ${v.name.padEnd(9)} ${summarize(samples).medianUs.toPrecision(4)} µs/batch (${samples.length} samples × ${v.repetitions} calls)`);
    }
  }

  const generated = timed.find((v) => v.name === "generated")!;
  const variants = timed.map((v): VariantResult => {
    const summary = summarize(v.samples);
    const roundRatios = v.roundMedians.map((m, r) => m / generated.roundMedians[r]);
    return {
      variant: v.name,
      ...summary,
      nsPerSample: (summary.medianUs * 1000) / c.data.n,
      ratioToGenerated: median(roundRatios),
      roundRatios,
      repetitions: v.repetitions,
      worstRelativeError: worst.get(v.name)!,
    };
  });
  for (const { peer } of peers) peer.dispose();
  return { variants, skipped };
}
