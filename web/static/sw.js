// The service worker: the page, its scripts, TF.js and the models from one cache, so the app
// starts and reads with the network off. pwa.py serves this file at /sw.js (scope: the whole
// site) with `self.OFFLINE = {version, files}` above it; the version changes whenever a
// listed file does, so the browser installs a new worker, which fills a new cache beside the
// old one and waits. pwa.js offers a reload; on "Reload" the new worker takes over and the
// old cache is deleted. Until then the open page keeps reading with the files it started with.

const CACHE_PREFIX = 'digit-reader-';
const { version, files } = self.OFFLINE;
const CACHE = `${CACHE_PREFIX}${version}`;

self.addEventListener('install', (event) => {
  event.waitUntil(precache());
});

async function precache() {
  const cache = await caches.open(CACHE);
  // 'no-cache' revalidates with the server: a file the HTTP cache kept from an older version
  // must not slip into the new version's cache. One failed file fails the install, and the
  // old worker (if any) stays in charge: never a half-filled cache.
  await cache.addAll(files.map((url) => new Request(url, { cache: 'no-cache' })));
}

self.addEventListener('activate', (event) => {
  event.waitUntil(dropOldCaches());
  // No clients.claim(): a page that started without the worker finishes its visit on the
  // network, as it began; the next visit (or reload) runs from the cache.
});

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
}

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting(); // the person pressed "Reload"
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // The API reads someone's image on the server: always the network, never a cached answer.
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  event.respondWith(cachedOrNetwork(request, url));
});

/** This version's cached copy when there is one, else the network (files not listed, e.g. /healthz). */
async function cachedOrNetwork(request, url) {
  const cache = await caches.open(CACHE);
  // A page opened with a query string (/?model=mlp) is still the cached page.
  let hit = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
  // Static files are cached under the versioned URL the page asks for (?v=, see assets.py); a
  // loader that asks without it (TF.js for its .wasm and the WebGL script) or with an old version
  // gets this version's file: the cache holds exactly one of each.
  if (!hit && url.pathname.startsWith('/static/')) hit = await cache.match(request, { ignoreSearch: true });
  return hit ?? fetch(request);
}
