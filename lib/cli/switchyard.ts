#!/usr/bin/env node
/**
 * The `switchyard` executable (package `bin`): runs {@link main} on the
 * process arguments and exits with its code.
 */
import { processIo } from './io.js'
import { main } from './main.js'

process.exitCode = await main(process.argv.slice(2), processIo)
