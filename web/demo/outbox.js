// The demo's outbox, shared by the page and the service worker (importScripts / <script>):
// messages are queued in IndexedDB and sent to the demo server in order.
'use strict';

const DemoOutbox = {
  open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open('demo-outbox', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('messages', { autoIncrement: true });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  },

  async add(text) {
    const db = await DemoOutbox.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('messages', 'readwrite');
      tx.objectStore('messages').add({ text, at: Date.now() });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  },

  async all() {
    const db = await DemoOutbox.open();
    return new Promise((resolve, reject) => {
      const out = [];
      const cursor = db.transaction('messages').objectStore('messages').openCursor();
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return resolve(out);
        out.push({ key: c.key, value: c.value });
        c.continue();
      };
      cursor.onerror = () => reject(cursor.error);
    });
  },

  async remove(key) {
    const db = await DemoOutbox.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('messages', 'readwrite');
      tx.objectStore('messages').delete(key);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  },

  // Sends every queued message; throws (so the sync is retried) at the first refusal.
  async flush(send = (body) => fetch('api/messages', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })) {
    for (const { key, value } of await DemoOutbox.all()) {
      const response = await send(JSON.stringify(value));
      if (!response.ok) throw new Error(`the demo server answered ${response.status}`);
      await DemoOutbox.remove(key);
    }
  },
};

self.DemoOutbox = DemoOutbox;
