import { defineConfig } from "vitest/config";

// Unit tests only: the end-to-end tests in tests/e2e run under node --test against a real modalisd.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
