/**
 * `npm run train -- [flags]`: parse and check flags, train, print the summary, write plots and JSON.
 * Exit codes (EXIT_CODES in options.ts, listed by --help): 0 done; 1 numerical failure (outputs hold the
 * kept parameters); 2 bad flags or input files; 3 an output could not be written. 2 and 3 write nothing.
 */
import { pathToFileURL } from "node:url";
import { OutputError } from "./files.ts";
import { WorkerError } from "./parallel/pool.ts";
import type { Metrics } from "./metrics.ts";
import { EXIT, UsageError, helpText, parseFlags } from "./options.ts";
import { progressLine, secondOrderLines, summaryTable } from "./report.ts";
import { resolveRun, type Registry, type RunConfig } from "./run-config.ts";
import { batchLabel, executeRun, type RunOutcome } from "./run.ts";

/** `registry` defaults to the shipped models (imported only then: a user's module needs none of them). */
export async function main(argv: string[], command = "npm run train --", registry?: Registry): Promise<number> {
  let config: RunConfig;
  try {
    const flags = parseFlags(argv);
    if (flags.help) {
      console.log(helpText(command));
      return 0;
    }
    config = await resolveRun(flags, registry ?? (await import("./models.ts")).SHIPPED);
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
    if (error instanceof WorkerError) {
      console.error(`error: ${error.message}; nothing was written.`);
      return EXIT.numerical;
    }
    throw error;
  }
}

function outputFailure(error: OutputError): number {
  console.error(`error: ${error.message}; nothing was written.`);
  return EXIT.output;
}

async function train(config: RunConfig): Promise<number> {
  const { module, data } = config;
  const backend = module.BACKEND === "webassembly" ? " (lossAndGradient in WebAssembly)" : "";
  const title = `symgrad · ${module.MODEL.name}${backend} on ${data.name} (${data.n} rows) · ${config.optimizer}, lr ${config.lr}, ${batchLabel(config)}${config.workers > 1 ? `, ${config.workers} workers` : ""} · init ${config.initSource}`;
  const progress = progressLine(config.epochs);
  const interrupt = catchInterrupt();
  let outcome: RunOutcome;
  try {
    outcome = await executeRun(config, { onEpoch: progress.update, shouldStop: interrupt.requested });
  } finally {
    progress.done();
    interrupt.release();
  }
  const { result, metrics, seconds, files } = outcome;
  console.log(
    summaryTable({ title, metrics: { ...metrics, loss: result.finalLoss }, epochs: result.epochs, seconds, files }),
  );
  if (result.secondOrder) console.log(secondOrderLines(result.secondOrder));
  const failure = numericalFailure(result, metrics);
  if (failure) {
    console.error(`error: training stopped: ${failure}; the files above show those parameters.`);
    return EXIT.numerical;
  }
  if (result.stop === "interrupted") {
    console.error(`interrupted: ${result.message}; the files above hold the ${result.epochs} epochs done.`);
    return EXIT.interrupted;
  }
  if (result.stop === "tolerance") console.log(`stopped early: ${result.message}`);
  return EXIT.done;
}

/** Why the run failed numerically (non-finite or diverged), or "" when it did not. */
function numericalFailure(result: RunOutcome["result"], metrics: Metrics): string {
  if (result.stop === "non-finite" || result.stop === "diverged") return result.message;
  const bad = (["loss", "accuracy", "rmse"] as const).filter(
    (name) => metrics[name] !== undefined && !Number.isFinite(metrics[name]),
  );
  return bad.length
    ? `${bad.map((name) => `${name} is ${metrics[name]}`).join(", ")} after epoch ${result.epochs}`
    : "";
}

/**
 * Ctrl-C during training stops after the current epoch and writes the outputs of the epochs done; a
 * second Ctrl-C quits at once (a half-written temp file is then removed by the next run).
 */
function catchInterrupt() {
  let requested = false;
  const onSigint = () => {
    if (requested) process.exit(EXIT.interrupted);
    requested = true;
    console.error("\ninterrupt: stopping after the current epoch and writing what is done (Ctrl-C again to quit now)");
  };
  process.on("SIGINT", onSigint);
  return { requested: () => requested, release: () => void process.off("SIGINT", onSigint) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2));
}
