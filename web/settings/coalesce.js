// Runs an async task so that overlapping requests share runs: a call while the task runs queues one
// more run (however many calls came meanwhile), which starts after the current one and so reads what
// changed since. Each call's promise settles with the first run that started after it.
export function coalesce(task) {
  let running = null;
  let queued = null;
  return function run() {
    if (!running) {
      running = Promise.resolve()
        .then(task)
        .finally(() => {
          running = null;
        });
      return running;
    }
    if (!queued) {
      queued = running
        .catch(() => {})
        .then(() => {
          queued = null;
          return run();
        });
    }
    return queued;
  };
}
