// The demo app's page script: registers its service worker and counts visits in IndexedDB,
// to show that each installed app keeps its own storage.
'use strict';

document.getElementById('opened').textContent = new Date().toLocaleString();

function showWorkerState(text) {
  document.getElementById('sw-state').textContent = text;
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').then(
    (registration) => navigator.serviceWorker.ready.then(() => showWorkerState(`active (scope ${registration.scope})`)),
    (error) => showWorkerState(`registration failed: ${error.message}`),
  );
} else {
  showWorkerState('not available in this context');
}

function countVisit() {
  const open = indexedDB.open('demo', 1);
  open.onupgradeneeded = () => open.result.createObjectStore('visits', { autoIncrement: true });
  open.onerror = () => { document.getElementById('visits').textContent = 'unavailable'; };
  open.onsuccess = () => {
    const tx = open.result.transaction('visits', 'readwrite');
    const store = tx.objectStore('visits');
    store.add({ at: Date.now() });
    const count = store.count();
    count.onsuccess = () => { document.getElementById('visits').textContent = String(count.result); };
  };
}
countVisit();
