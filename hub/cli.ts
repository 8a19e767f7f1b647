#!/usr/bin/env node
/**
 * The `langso` command. V8's heap flags are set before the hub's modules load (hub/core/heap-start.ts):
 * static imports would all be read and compiled first, and that alone grows V8's young generation.
 */
import './core/heap-start.js';

await import('./cli/commands.js');
