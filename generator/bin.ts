#!/usr/bin/env node
/** The `symgrad` executable (package.json "bin"); everything else lives in cli.ts. */
import { main } from "./cli.ts";

process.exitCode = await main(process.argv.slice(2));
