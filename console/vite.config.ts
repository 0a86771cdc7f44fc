import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

// codemirror-json-schema renders schema descriptions as Markdown through markdown-it and Shiki
// (megabytes, and HTML). The Rules page's JSON editor shows them as plain text instead, so its
// renderMarkdown is replaced by one that only escapes text (src/rulesEditor/markdownAsText.ts).
const jsonSchemaTextOnly: Plugin = {
  name: "modalis-json-schema-text-only",
  enforce: "pre",
  resolveId(source, importer) {
    if (importer?.includes("codemirror-json-schema") && /\/utils\/markdown(\.js)?$/.test(source)) {
      return fileURLToPath(new URL("./src/rulesEditor/markdownAsText.ts", import.meta.url));
    }
    return null;
  },
};

// modalisd serves dist/ at /console/ with a strict Content-Security-Policy (script-src 'self',
// style-src 'self'), so everything must be emitted as files: no inline script or style.
export default defineConfig({
  base: "/console/",
  plugins: [jsonSchemaTextOnly],
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
