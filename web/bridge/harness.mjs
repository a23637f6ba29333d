// Helpers shared by the page bridge's and the worker shim's Node tests (page.test.mjs,
// worker-shim.test.mjs).

/** Values made inside a VM context have that context's prototypes; compare them as plain JSON. */
export const plain = (value) => JSON.parse(JSON.stringify(value));

/** Lets the bridge's promise chains (the startup 'bridge_state' call, the relay to workers) run. */
export const settle = async () => {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

/** A bridge state with every field, `changes` merged in. */
export function bridgeState({ permissions = {}, connection = {} } = {}) {
  return {
    permissions: { 'background-sync': 'granted', 'periodic-background-sync': 'denied', notifications: 'prompt', ...permissions },
    connection: { type: 'wifi', saveData: false, ...connection },
  };
}
