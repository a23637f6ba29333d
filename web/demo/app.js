// The demo app's page script: the compose form queues messages in the outbox and asks for a
// background sync; the lists show what waits and what the server received.
'use strict';

const $ = (id) => document.getElementById(id);

function show(list, items, empty) {
  list.replaceChildren(...(items.length ? items : [empty]).map((text) => {
    const li = document.createElement('li');
    li.textContent = text;
    return li;
  }));
}

async function refresh() {
  const queued = await DemoOutbox.all().catch(() => []);
  show($('queued'), queued.map((m) => m.value.text), 'nothing');
  try {
    const response = await fetch('api/messages', { cache: 'no-store' });
    const delivered = await response.json();
    show($('delivered'), delivered.map((m) => m.text), 'nothing yet');
    const down = await (await fetch('api/down', { cache: 'no-store' })).json();
    $('down').checked = down;
  } catch (_) {
    // The demo server is not running (syncshell stopped it); the outbox still works.
  }
}

let registration = null;

$('compose').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = $('message').value.trim();
  if (!text) return;
  $('message').value = '';
  await DemoOutbox.add(text);
  if (registration && 'sync' in registration) {
    // The standard API: the worker's sync handler sends the outbox when the network allows.
    await registration.sync.register('outbox');
  } else {
    await DemoOutbox.flush().catch(() => {});
  }
  refresh();
});

$('down').addEventListener('change', async () => {
  await fetch('api/down', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify($('down').checked),
  });
  refresh();
});

$('sync-state').textContent = 'SyncManager' in window ? 'available (SyncManager)' : 'not available';
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').then(
    (r) => navigator.serviceWorker.ready.then(() => {
      registration = r;
      $('sw-state').textContent = `active (scope ${r.scope})`;
    }),
    (error) => { $('sw-state').textContent = `registration failed: ${error.message}`; },
  );
} else {
  $('sw-state').textContent = 'not available in this context';
}

refresh();
setInterval(refresh, 2000);
