/**
 * `npm start`: make sure generated/ matches the model definitions (regenerating if not), then reproduce
 * the seed tutorial: the 2-2-1 sigmoid network on the two clusters, full-batch GD, lr 0.5, 2000 epochs.
 * Extra flags are passed to the trainer and override these.
 *
 * Freshness is decided from the stamps in the generated headers (freshness.ts: milliseconds, nothing
 * rebuilt); only a stale folder pays for a generation.
 */
import { EXIT } from "./errors.ts";
import { quickCheck } from "./freshness.ts";
import { expandInputs, readConfig } from "./inputs.ts";
import { projectRoot } from "./out-dir.ts";

const SEED_RUN = ["--model", "seed", "--data", "clusters", "--optimizer", "gd", "--lr", "0.5", "--epochs", "2000"];

async function ensureGenerated(): Promise<number> {
  const config = await readConfig(projectRoot(process.cwd()));
  if (config === undefined) return EXIT.ok; // nothing to regenerate from: use generated/ as it is
  const plan = { files: await expandInputs(config.models), out: config.out, root: projectRoot(config.out) };
  const problems = await quickCheck(plan);
  if (problems.length === 0) return EXIT.ok;
  console.log(`generated/ is stale (${problems.length} files); regenerating…`);
  const { main } = await import("./cli.ts");
  return main(["generate", "--quiet"]);
}

const generated = await ensureGenerated().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  return EXIT.failed;
});
if (generated !== EXIT.ok) {
  process.exitCode = generated;
} else {
  // Imported only now: the trainer loads generated/, which the step above may just have rewritten.
  const { main } = await import("../src/cli.ts");
  process.exitCode = await main([...SEED_RUN, ...process.argv.slice(2)], "npm start --");
  if (process.exitCode === 0) await (await import("../src/compare-optimizers.ts")).compareOnSeed(process.argv.slice(2));
}
