#!/usr/bin/env node
// Placeholder until the `cortex demo` command lands (the CLI issue); then this
// script builds the CLI and runs `cortex demo`.
console.log("Cortex demo: the `cortex demo` command is not built yet; see README.md for what exists.");
