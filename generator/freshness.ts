/**
 * The quick freshness decision behind `npm start` and `symgrad generate --check --quick`: compares the
 * stamps in the generated headers with the model files as they are now. It imports no part of the
 * code generator (ts-morph, prettier), so it takes milliseconds; the byte-exact --check rebuilds
 * everything and stays the authority in CI.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { leftoverTemps } from "../src/files.ts";
import { hashMatches } from "./emit/code-hash.ts";
import { bundleModelFile } from "./inputs.ts";
import { listExisting, portable, REGISTRY_FILE, type ExistingFile } from "./out-dir.ts";
import { modelStamp } from "./stamp.ts";

/** What quickCheck needs of a run: its model files, output folder and project root. */
export interface FreshnessPlan {
  readonly files: readonly string[];
  readonly out: string;
  readonly root: string;
}

/**
 * Fresh by the stamps: each model file has a module in the folder that names it as its source, whose
 * header's stamp equals the stamp of the model's current sources and generator, and whose MODEL.hash
 * matches its own text (no hand edits); the registry is there; no temporaries are left over. Bundles each
 * model file (esbuild, milliseconds) to learn what it reads, but runs and builds nothing.
 */
export async function quickCheck(plan: FreshnessPlan): Promise<string[]> {
  const existing = listExisting(plan.out);
  const problems = (await modulesFreshness(plan, existing)).filter((verdict) => typeof verdict === "string");
  return [...problems, ...folderProblems(plan, existing)];
}

/** What is wrong with the folder apart from the modules of the run's model files: orphans, registry, temporaries. */
export function folderProblems(plan: FreshnessPlan, existing: readonly ExistingFile[]): string[] {
  const problems: string[] = [];
  const shown = (file: string) => portable(process.cwd(), join(plan.out, file));
  const sources = new Set(plan.files.map((f) => portable(plan.root, f)));
  for (const e of existing) {
    if (e.generated && e.source !== undefined && !sources.has(e.source) && !existsSync(resolve(plan.root, e.source))) {
      problems.push(`extra:   ${shown(e.file)}`);
    }
  }
  if (!existing.some((e) => e.file === REGISTRY_FILE && e.generated)) problems.push(`missing: ${shown(REGISTRY_FILE)}`);
  for (const t of leftoverTemps(plan.out)) problems.push(`extra:   ${shown(t)}`);
  return problems;
}

/** A module in the folder that is fresh by its stamp: its text, and the model file it was generated from. */
export interface FreshModule {
  /** The module's file name in the output folder. */
  readonly path: string;
  readonly content: string;
  /** Absolute path of its model file. */
  readonly modelFile: string;
}

/**
 * moduleFreshness of each of the plan's model files, in the plan's order. esbuild bundles them all at
 * once, in its own process (one after the other, a `symgrad generate` with nothing to rebuild took 1.11 s
 * over the nine shipped models instead of 0.95 s). Should files fail to bundle, the error is the first
 * such file's in the plan's order, as one at a time would report.
 */
export async function modulesFreshness(plan: FreshnessPlan, existing: readonly ExistingFile[]): Promise<(FreshModule | string)[]> {
  const verdicts = await Promise.allSettled(plan.files.map((file) => moduleFreshness(plan, file, existing)));
  return verdicts.map((verdict) => {
    if (verdict.status === "rejected") throw verdict.reason;
    return verdict.value;
  });
}

/**
 * The module of one model file if it is fresh by its stamp (see quickCheck), else what is wrong with it
 * (one line). `existing` is listExisting(plan.out).
 */
export async function moduleFreshness(plan: FreshnessPlan, file: string, existing: readonly ExistingFile[]): Promise<FreshModule | string> {
  const shown = (name: string) => portable(process.cwd(), join(plan.out, name));
  const source = portable(plan.root, file);
  const module = existing.find((e) => e.generated && e.source === source);
  if (!module) return `missing: the module of ${source}`;
  const { inputs } = await bundleModelFile(file, portable(process.cwd(), file));
  if (module.stamp !== modelStamp(inputs, plan.root)) return `stale:   ${shown(module.file)}`;
  const content = readFileSync(join(plan.out, module.file), "utf8");
  if (!hashMatches(content)) return `edited:  ${shown(module.file)}`;
  return { path: module.file, content, modelFile: file };
}
