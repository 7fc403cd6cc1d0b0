// The one vitest configuration every package merges (packages/*/vitest.config.ts).
// Decorators (tsyringe) need oxc's legacy decorators with metadata; reflect-metadata is loaded first.
import { fileURLToPath } from "node:url";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

const setup = fileURLToPath(new URL("./scripts/vitest-setup.ts", import.meta.url));

export default defineConfig({
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: { conditions: ["@flushlab/source", ...defaultClientConditions] },
  ssr: { resolve: { conditions: ["@flushlab/source", ...defaultServerConditions] } },
  test: {
    setupFiles: [setup],
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "threads",
  },
});
