#!/usr/bin/env node
/** The `symgrad` executable (package.json "bin"); everything else lives in cli.ts. */
import { dropOutputToClosedPipes, main } from "./cli.ts";

dropOutputToClosedPipes();
process.exitCode = await main(process.argv.slice(2));
