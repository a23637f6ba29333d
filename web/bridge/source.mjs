// The bridge scripts as the host delivers them (src-tauri/src/sync/bridge.rs assembles them the same way):
// sync-api.js followed by page.js or worker-shim.js, the pair wrapped in one function scope.
import { readFileSync } from 'node:fs';

const read = (name) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/** The delivered text of `name` ('page.js' or 'worker-shim.js'). */
export function bridgeSource(name) {
  return `(function () {\n'use strict';\n${read('sync-api.js')}${read(name)}})();\n`;
}
