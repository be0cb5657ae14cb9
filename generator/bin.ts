#!/usr/bin/env node
/** The `symgrad` executable (package.json "bin"); everything else lives in cli.ts. */
import { main } from "./cli.ts";

// `symgrad generate | head`: once the reader has closed the pipe, what is left to print is dropped and
// the command finishes its work (files are still written); without a listener, EPIPE is a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
