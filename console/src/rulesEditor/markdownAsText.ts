// Stands in for codemirror-json-schema's utils/markdown (see vite.config.ts): a schema's
// descriptions and messages as escaped text, never as markup, and without markdown-it and Shiki.
export function renderMarkdown(markdown: string, _inline = true): string {
  return markdown.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
