/**
 * The page state, kept in the URL query so a link reproduces a run:
 * ?model=seed&data=clusters&optimizer=gd&lr=0.5&batch=0&seed=42&split=80&noise=…&l1=0&l2=0&discretize=0&test=1
 * and for model=custom (dev server only) &hidden=4,2&activation=tanh&features=x1,x2.
 */
import { DATASETS, type DatasetName } from "../data.ts";
import { OPTIMIZER_NAMES, isSecondOrder, type OptimizerName } from "../optimizers.ts";
import { DEFAULT_MODEL, type CustomSpec } from "./labels.ts";

export interface PageState {
  model: string;
  data: DatasetName;
  /** undefined = the dataset's default noise. */
  noise?: number;
  split: number;
  optimizer: OptimizerName;
  lr: number;
  /** Rows per mini-batch, 0 = full batch (always 0 for lbfgs and newton). */
  batch: number;
  seed: string;
  l1: number;
  l2: number;
  discretize: boolean;
  showTest: boolean;
  custom: CustomSpec;
}

export const ACTIVATIONS = ["tanh", "sigmoid", "relu", "softplus"] as const;
export const FEATURE_NAMES = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sin_x1", "sin_x2", "cos_x1", "cos_x2"] as const;

const number = (text: string | null, fallback: number, ok: (v: number) => boolean = Number.isFinite) => {
  const value = text === null || text === "" ? NaN : Number(text);
  return ok(value) ? value : fallback;
};

export function parseState(search: string): PageState {
  const q = new URLSearchParams(search);
  const data = q.get("data") ?? "";
  const optimizer = q.get("optimizer") ?? "";
  const activation = q.get("activation") ?? "";
  const hidden = (q.get("hidden") ?? "4,2").split(",").filter(Boolean).map(Number);
  const features = (q.get("features") ?? "x1,x2").split(",").filter((f) => (FEATURE_NAMES as readonly string[]).includes(f));
  const task = q.get("task");
  const chosen = (OPTIMIZER_NAMES as readonly string[]).includes(optimizer) ? (optimizer as OptimizerName) : "gd";
  return {
    model: q.get("model") || DEFAULT_MODEL,
    data: Object.hasOwn(DATASETS, data) ? (data as DatasetName) : "clusters",
    noise: q.has("noise") ? number(q.get("noise"), NaN, (v) => v >= 0) : undefined,
    split: number(q.get("split"), 80, (v) => v >= 10 && v <= 100),
    optimizer: chosen,
    lr: number(q.get("lr"), 0.5, (v) => v > 0),
    batch: isSecondOrder(chosen) ? 0 : number(q.get("batch"), 0, (v) => Number.isInteger(v) && v >= 0),
    seed: q.get("seed") || "42",
    l1: number(q.get("l1"), 0, (v) => v >= 0),
    l2: number(q.get("l2"), 0, (v) => v >= 0),
    discretize: q.get("discretize") === "1",
    showTest: q.get("test") !== "0",
    custom: {
      hidden: hidden.every((h) => Number.isInteger(h) && h >= 1 && h <= 16) ? hidden.slice(0, 4) : [4, 2],
      activation: (ACTIVATIONS as readonly string[]).includes(activation) ? (activation as CustomSpec["activation"]) : "tanh",
      features: features.length > 0 ? features : ["x1", "x2"],
      task: task === "multiclass" || task === "regression" ? task : "binary",
    },
  };
}

export function stateToSearch(s: PageState): string {
  const q = new URLSearchParams({
    model: s.model,
    data: s.data,
    optimizer: s.optimizer,
    lr: String(s.lr),
    batch: String(s.batch),
    seed: s.seed,
    split: String(s.split),
  });
  if (s.noise !== undefined && Number.isFinite(s.noise)) q.set("noise", String(s.noise));
  if (s.l1 > 0) q.set("l1", String(s.l1));
  if (s.l2 > 0) q.set("l2", String(s.l2));
  if (s.discretize) q.set("discretize", "1");
  if (!s.showTest) q.set("test", "0");
  if (s.model === "custom") {
    q.set("hidden", s.custom.hidden.join(","));
    q.set("activation", s.custom.activation);
    q.set("features", s.custom.features.join(","));
    q.set("task", s.custom.task);
  }
  return `?${q.toString().replace(/%2C/g, ",")}`;
}
