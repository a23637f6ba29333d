// Unit tests of components/action.js: how a control follows the host while its calls run and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAction, storedChoice } from './components/action.js';

const box = () => ({ textContent: '', hidden: true });

function control({ reread = async () => {} } = {}) {
  const shown = [];
  const errorBox = box();
  const choice = storedChoice({ show: (v) => shown.push(v), errorBox, reread });
  return { choice, shown, errorBox };
}

test('a failed action shows its message and re-reads; a good one clears it', async () => {
  const errorBox = box();
  let reread = 0;
  const failed = await runAction({
    errorBox,
    call: async () => {
      throw { kind: 'refused', message: 'no' };
    },
    reread: async () => {
      reread += 1;
    },
  });
  assert.equal(failed.ok, false);
  assert.deepEqual([errorBox.textContent, errorBox.hidden, reread], ['no', false, 1]);
  const good = await runAction({ errorBox, call: async () => 3 });
  assert.deepEqual(good, { ok: true, value: 3 });
  assert.deepEqual([errorBox.textContent, errorBox.hidden], ['', true]);
});

test('a state pushed while a call runs does not undo the choice; a failure shows the stored value', async () => {
  const c = control();
  c.choice.set(false);
  let answer;
  const changing = c.choice.change(true, {
    call: () => new Promise((resolve, reject) => {
      answer = { resolve, reject };
    }),
  });
  c.choice.set(false);
  assert.deepEqual(c.shown, [false], 'not shown while the call runs');
  answer.reject({ message: 'refused' });
  await changing;
  assert.deepEqual(c.shown, [false, false]);
});

test('a change the host accepted is the stored value, even when no change event follows', async () => {
  // panel_set_autostart changes no table, so no settings:changed brings the new state back.
  let rereadWorks = true;
  const c = control({
    reread: async () => {
      if (!rereadWorks) throw { message: 'gone' };
    },
  });
  c.choice.set(false);
  await c.choice.change(true, { call: async () => {} });
  rereadWorks = false;
  await c.choice.change(false, {
    call: async () => {
      throw { message: 'cannot write the autostart file' };
    },
  });
  assert.equal(c.shown.at(-1), true, 'back to what the host stored, not to what it had before');
});
