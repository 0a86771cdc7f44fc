import { defineConfig } from "vite";

// modalisd serves dist/ at /console/ with a strict Content-Security-Policy (script-src 'self',
// style-src 'self'), so everything must be emitted as files: no inline script or style.
export default defineConfig({
  base: "/console/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The preload polyfill is only for browsers without modulepreload; the console does not
    // support those, and the polyfill would be one more script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
  },
  server: {
    // `npm exec vite` during development: forward the API and the session to a running modalisd
    // (MODALIS_HTTP, e.g. 127.0.0.1:8080), so the page and the API share one origin as in production.
    proxy: Object.fromEntries(
      ["/modalis.v1.", "/console/session", "/grpc.health.v1."].map((p) => [
        p,
        { target: `http://${process.env.MODALIS_HTTP ?? "127.0.0.1:8080"}`, changeOrigin: false },
      ]),
    ),
  },
});
