/**
 * `npm start`: make sure generated/ matches the model definitions (regenerating if not), then reproduce
 * the seed tutorial: the 2-2-1 sigmoid network on the two clusters, full-batch GD, lr 0.5, 2000 epochs.
 * Extra flags are passed to the trainer and override these.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const SEED_RUN = ["--model", "seed", "--data", "clusters", "--optimizer", "gd", "--lr", "0.5", "--epochs", "2000"];

/** `generate -- --check` exits 1 when generated/ is stale; anything else non-zero is a real failure. */
function ensureGenerated(): void {
  const scripts = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).scripts ?? {};
  if (!scripts.generate) {
    console.log("note: no `generate` script in package.json; using generated/ as it is.");
    return;
  }
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const check = spawnSync(npm, ["run", "--silent", "generate", "--", "--check"], { stdio: "inherit" });
  if (check.status === 0) return;
  if (check.status !== 1) throw new Error(`npm run generate -- --check failed (exit ${check.status ?? check.signal})`);
  console.log("generated/ is stale; regenerating…");
  const generate = spawnSync(npm, ["run", "--silent", "generate"], { stdio: "inherit" });
  if (generate.status !== 0) throw new Error(`npm run generate failed (exit ${generate.status ?? generate.signal})`);
}

try {
  ensureGenerated();
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
}
// Imported only now: the CLI loads generated/, which the step above may just have rewritten.
const { main } = await import("./cli.ts");
process.exitCode = await main([...SEED_RUN, ...process.argv.slice(2)], "npm start --");
