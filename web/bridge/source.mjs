// The bridge scripts as the host delivers them (src-tauri/src/sync/bridge.rs assembles them the same way):
// sync-api.js followed by page.js or worker-shim.js, the pair wrapped in one function scope.
import { readFileSync } from 'node:fs';

const read = (name) => readFileSync(new URL(`./${name}`, import.meta.url), 'utf8');

/**
 * The delivered text of `name` ('page.js' or 'worker-shim.js'). With `initialState`, the wrapper declares
 * it as SYNCSHELL_INITIAL_STATE before sync-api.js, as the host does for the page bridge.
 */
export function bridgeSource(name, { initialState } = {}) {
  const declaration = initialState === undefined
    ? ''
    : `const SYNCSHELL_INITIAL_STATE = ${JSON.stringify(initialState)};\n`;
  return `(function () {\n'use strict';\n${declaration}${read('sync-api.js')}${read(name)}})();\n`;
}
