// The demo app's service worker: caches the app shell so the window opens even when the demo
// server is stopped, and sends the outbox when a background sync fires.
'use strict';

importScripts('outbox.js');

const CACHE = 'demo-shell-v2';
const SHELL = ['./', 'index.html', 'app.js', 'outbox.js', 'style.css', 'manifest.webmanifest', 'icon-192.png'];

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') event.waitUntil(self.DemoOutbox.flush());
});

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  // The API is live data: never from the cache.
  if (event.request.method !== 'GET' || event.request.url.includes('/api/')) return;
  // Network first, so the page is fresh when the server is up; the cache when it is not.
  event.respondWith(
    fetch(event.request).catch(() => caches.match(event.request).then((hit) => hit || Response.error())),
  );
});
