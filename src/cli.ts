/**
 * `npm run train -- [flags]`: parse and check flags, train, print the summary, write plots and JSON.
 * Exit codes: 0 done, 1 training hit a non-finite value (outputs hold the last finite parameters),
 * 2 bad flags or input files (nothing written).
 */
import { pathToFileURL } from "node:url";
import { UsageError, helpText, parseFlags } from "./options.ts";
import { progressLine, secondOrderLines, summaryTable } from "./report.ts";
import { resolveRun, type Registry, type RunConfig } from "./run-config.ts";
import { executeRun } from "./run.ts";

/** `registry` defaults to the shipped models (imported only then: a user's module needs none of them). */
export async function main(argv: string[], command = "npm run train --", registry?: Registry): Promise<number> {
  let config: RunConfig;
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      console.log(helpText(command));
      return 0;
    }
    config = resolveRun(flags, registry ?? (await import("./models.ts")).SHIPPED);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\nRun with --help to see every flag and its default.`);
    return 2;
  }
  return train(config);
}

async function train(config: RunConfig): Promise<number> {
  const { module, data } = config;
  const batch = config.batch === undefined || config.batch >= data.n ? "full batch" : `batches of ${config.batch}`;
  const title = `symgrad · ${module.MODEL.name} on ${data.name} (${data.n} rows) · ${config.optimizer}, lr ${config.lr}, ${batch} · init ${config.initSource}`;
  const progress = progressLine(config.epochs);
  const outcome = await executeRun(config, progress.update);
  progress.done();
  const { result, metrics, seconds, files } = outcome;
  console.log(
    summaryTable({ title, metrics: { ...metrics, loss: result.finalLoss }, epochs: result.epochs, seconds, files }),
  );
  if (result.secondOrder) console.log(secondOrderLines(result.secondOrder));
  if (result.stop === "non-finite") {
    console.error(`error: training stopped: ${result.message}; the files above show those parameters.`);
    return 1;
  }
  if (result.stop === "tolerance") console.log(`stopped early: ${result.message}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
