// Makes the page an installable, offline app: registers the service worker (/sw.js, see
// pwa.py and sw.js) and shows a banner when a new version has been downloaded. Touches the
// update banner and its button, the "ready offline" note of #load-progress (through ui.js), and
// navigator.serviceWorker. Independent of app.js and photo.js: reading works the same with or
// without a worker.

import { byId, pageStarted, showOfflineReady } from './ui.js';

const banner = byId('update-banner');
const reloadButton = byId('update-reload');

let reloading = false;
const hook = {
  supported: window.isSecureContext && 'serviceWorker' in navigator, // https or localhost
  updateReady: false,
  registration: null, // Promise of the ServiceWorkerRegistration: registers once the page has started
};
window.digitPwa = hook; // read by the browser tests; harmless to people

/**
 * Call onReady(worker) when a new worker has installed while another one runs the page: an
 * update, downloaded and waiting. The first worker a browser installs is no update.
 * @param {ServiceWorkerRegistration} registration
 * @param {ServiceWorkerContainer} container navigator.serviceWorker
 * @param {(worker: ServiceWorker) => void} onReady
 */
export function watchForUpdate(registration, container, onReady) {
  if (registration.waiting && container.controller) onReady(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker?.addEventListener('statechange', () => {
      if (worker.state === 'installed' && container.controller) onReady(worker);
    });
  });
}

function showUpdateReady(worker) {
  hook.updateReady = true;
  if (!banner) return; // a page without the banner still updates on its next visit
  banner.hidden = false;
  reloadButton.disabled = false;
  reloadButton.onclick = () => {
    reloadButton.disabled = true;
    reloading = true;
    worker.postMessage({ type: 'skip-waiting' }); // the new worker takes over; controllerchange reloads
  };
}

async function register() {
  const container = navigator.serviceWorker;
  container.addEventListener('controllerchange', () => {
    if (reloading) window.location.reload(); // only after "Reload": the page must not vanish mid-drawing
  });
  const registration = await container.register('/sw.js', { scope: '/' });
  watchForUpdate(registration, container, showUpdateReady);
  // An active worker has every file cached: this page came from it, or the next one can.
  container.ready.then(showOfflineReady);
  return registration;
}

if (hook.supported) {
  // Only after the page has started: the worker's download of every file (TF.js, all models)
  // must not compete with the page's own first download and warm-up, on a slow phone least of all.
  hook.registration = pageStarted().then(register);
  hook.registration.catch((err) => console.warn('offline mode unavailable:', err));
}
