// Builds the optional native backend (a Node-API addon over oneDNN) during `npm ci`.
// The project must install and run without it, so a failed build only warns.
// (The native helper replaces this placeholder with the real build step.)
import { existsSync } from 'node:fs';
if (!existsSync('binding.gyp')) {
  console.log('pegasus: no native addon in this checkout; using the TypeScript backend.');
}
