#!/usr/bin/env node
/**
 * Development shim: `node --import tsx bin/switchyard.ts …` runs the command
 * line from the sources. The published executable is dist/cli/switchyard.js
 * (package.json `bin`), compiled from lib/cli/switchyard.ts.
 */
import '../lib/cli/switchyard.js'
