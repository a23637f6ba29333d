// Unit tests of permission-model.js: the Permissions tab's cards and texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permissionCards, permissionMessage, sharedText } from './permission-model.js';

const app = (id, name, origin, permissions = {}) => ({
  id, name, origin, permissions: { 'background-sync': 'allow', 'periodic-background-sync': 'allow', notifications: 'ask', ...permissions },
});

test('permission cards: one per app by name, three rows, shared origins named', () => {
  const cards = permissionCards([
    app('mail-2', 'Mail admin', 'https://mail.example', { notifications: 'block' }),
    app('news', 'News', 'https://news.example', { 'periodic-background-sync': 'block', notifications: 'sometimes' }),
    app('mail', 'Mail', 'https://mail.example'),
  ]);
  assert.deepEqual(cards.map((c) => c.id), ['mail', 'mail-2', 'news']);
  assert.deepEqual(cards.map((c) => c.sharedWith), [['Mail admin'], ['Mail'], []]);
  const news = cards[2];
  assert.deepEqual(news.rows.map((r) => [r.testid, r.value]), [
    ['permission-news-background-sync', 'allow'],
    ['permission-news-periodic-background-sync', 'block'],
    ['permission-news-notifications', null],
  ]);
  assert.deepEqual(news.rows[0].options, [{ value: 'allow', label: 'Allow' }, { value: 'block', label: 'Block' }]);
  assert.deepEqual(news.rows[2].options.map((o) => o.value), ['allow', 'block', 'ask']);
  assert.equal(cards[1].rows[2].value, 'block');
  assert.deepEqual(permissionCards(undefined), []);
});

test('permission texts', () => {
  assert.equal(permissionMessage('News', 'notifications', 'block'), 'Notifications: Block for News');
  assert.equal(permissionMessage('News', 'background-sync', 'allow'), 'Background sync: Allow for News');
  assert.equal(sharedText([]), '');
  assert.match(sharedText(['A']), /^Shares these settings with A: /);
  assert.match(sharedText(['A', 'B', 'C']), /^Shares these settings with A, B and C: /);
});
