// Unit tests of install-progress.js: the install steps from the host's events and the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startProgress, applyInstallEvent, finishProgress, failProgress,
} from './install-progress.js';

const states = (p) => p.steps.map((s) => `${s.step}:${s.state}`).join(' ');

test('install progress follows the host steps for this install', () => {
  let p = startProgress('https://app.example/');
  assert.equal(states(p), 'page:current manifest:pending icon:pending launcher:pending');
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'manifest' });
  assert.equal(states(p), 'page:done manifest:current icon:pending launcher:pending');
  const other = applyInstallEvent(p, { url: 'https://other.example/', step: 'launcher' });
  assert.equal(other, p, 'another install changes nothing');
  assert.equal(applyInstallEvent(p, { url: 'https://app.example/', step: 'page' }), p, 'never backwards');
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'icon' });
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'launcher' });
  assert.equal(states(p), 'page:done manifest:done icon:done launcher:current');
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'done' });
  assert.equal(p.phase, 'done');
  assert.equal(states(p), 'page:done manifest:done icon:done launcher:done');
  assert.equal(applyInstallEvent(p, { url: 'https://app.example/', step: 'failed' }), p, 'nothing after the end');
});

test('install failure marks the step under way', () => {
  let p = startProgress('https://app.example/');
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'manifest' });
  p = applyInstallEvent(p, { url: 'https://app.example/', step: 'failed', message: 'no manifest link' });
  assert.equal(p.phase, 'failed');
  assert.equal(p.message, 'no manifest link');
  assert.equal(states(p), 'page:done manifest:failed icon:pending launcher:pending');
  // The command's rejection comes after and its message wins.
  p = failProgress(p, 'The page has no <link rel="manifest">.');
  assert.equal(p.message, 'The page has no <link rel="manifest">.');
  assert.equal(states(p), 'page:done manifest:failed icon:pending launcher:pending');
  // Without any event (listening failed): the first step fails, or all finish.
  assert.equal(states(failProgress(startProgress('x'), 'bad URL')), 'page:failed manifest:pending icon:pending launcher:pending');
  assert.equal(states(finishProgress(startProgress('x'))), 'page:done manifest:done icon:done launcher:done');
});
