/**
 * `npm run train -- [flags]`: parse and check flags, train, print the summary, write plots and JSON.
 * Exit codes (EXIT_CODES in options.ts, listed by --help): 0 done; 1 numerical failure (outputs hold the
 * kept parameters); 2 bad flags or input files; 3 an output could not be written. 2 and 3 write nothing.
 */
import { pathToFileURL } from "node:url";
import { MODEL_NAMES, getModel } from "./models.ts";
import { OutputError } from "./files.ts";
import { EXIT, UsageError, helpText, parseFlags } from "./options.ts";
import { progressLine, summaryTable } from "./report.ts";
import { resolveRun, type RunConfig } from "./run-config.ts";
import { executeRun } from "./run.ts";

export async function main(argv: string[], command = "npm run train --"): Promise<number> {
  let config: RunConfig;
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      console.log(helpText(command));
      return 0;
    }
    config = resolveRun(flags, { names: MODEL_NAMES, get: getModel });
  } catch (error) {
    if (error instanceof OutputError) return outputFailure(error);
    if (!(error instanceof UsageError)) throw error;
    console.error(`error: ${error.message}\nRun with --help to see every flag and its default.`);
    return EXIT.usage;
  }
  try {
    return await train(config);
  } catch (error) {
    if (error instanceof OutputError) return outputFailure(error);
    throw error;
  }
}

function outputFailure(error: OutputError): number {
  console.error(`error: ${error.message}; nothing was written.`);
  return EXIT.output;
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
  if (result.stop === "non-finite") {
    console.error(`error: training stopped: ${result.message}; the files above show those parameters.`);
    return EXIT.numerical;
  }
  if (result.stop === "tolerance") console.log(`stopped early: ${result.message}`);
  return EXIT.done;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
