#!/usr/bin/env node
// The `certus-trust` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import "../dist/src/main.js";
