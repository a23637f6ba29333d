// Unit tests of coalesce.js: overlapping refresh requests share runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from './coalesce.js';

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test('calls during a run queue exactly one more run', async () => {
  const runs = [];
  const run = coalesce(() => {
    const d = deferred();
    runs.push(d);
    return d.promise;
  });
  const first = run();
  await Promise.resolve();
  assert.equal(runs.length, 1);
  const second = run();
  const third = run();
  assert.equal(second, third, 'later calls share the queued run');
  runs[0].resolve('one');
  assert.equal(await first, 'one');
  await new Promise((r) => setImmediate(r));
  assert.equal(runs.length, 2, 'one more run, not two');
  runs[1].resolve('two');
  assert.equal(await second, 'two');
  const fourth = run();
  await new Promise((r) => setImmediate(r));
  assert.equal(runs.length, 3, 'an idle task starts at once');
  runs[2].resolve('three');
  assert.equal(await fourth, 'three');
});

test('a failed run rejects its callers and does not stop the queued one', async () => {
  let n = 0;
  const gate = deferred();
  const run = coalesce(async () => {
    n += 1;
    if (n === 1) {
      await gate.promise;
      throw new Error('first failed');
    }
    return n;
  });
  const first = run();
  const second = run();
  gate.resolve();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
});
