// A service worker that makes the site's pages cross-origin isolated on hosts that cannot send headers
// (GitHub Pages, a plain file server). Isolation is what lets Stop interrupt Python without losing its state
// and lets input() wait for the reader. It adds COOP/COEP to the site's own responses and nothing else:
// requests to other origins and everything under lite/ (JupyterLite has its own service worker) pass through,
// and a page becomes isolated only if it runs code: isolation would block other sites' frames (videos, maps)
// on the pages that do not need it.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

const scope = new URL(self.registration.scope);
const liteFolder = scope.pathname + "lite/";

async function isolated(response, navigation) {
  if (response.status === 0 || response.type === "opaqueredirect") return response;
  let body = response.body;
  if (navigation) {
    body = await response.text();
    if (!body.includes('_static/runtime/runtime.js"')) return new Response(body, response); // runs no code
  }
  const headers = new Headers(response.headers);
  // credentialless (not require-corp): images and links to other sites still load, without cookies
  headers.set("Cross-Origin-Embedder-Policy", "credentialless");
  headers.set("Cross-Origin-Opener-Policy", "same-origin");
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || request.method !== "GET" || url.pathname.startsWith(liteFolder)) return;
  if (request.cache === "only-if-cached" && request.mode !== "same-origin") return;
  event.respondWith(fetch(request).then((response) => isolated(response, request.mode === "navigate")));
});
