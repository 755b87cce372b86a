// Build and dev-server settings, and vitest's (one file, so tests see the same plugins).
// `npm run dev` proxies the api and the login endpoints to the dev login proxy, which adds
// identity headers from its cookie exactly as oauth2-proxy does in production.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const LOGIN_PROXY = "http://127.0.0.1:8080";

export default defineConfig({
  base: "/",
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: LOGIN_PROXY, changeOrigin: false },
      "/oauth2": { target: LOGIN_PROXY, changeOrigin: false },
      "/openapi.json": { target: LOGIN_PROXY, changeOrigin: false },
    },
  },
  build: {
    outDir: "dist",
    sourcemap: false,
    rolldownOptions: {
      output: {
        // Libraries change less often than the dashboard: separate chunks stay cached
        // across releases. Markdown rendering (remark, rehype) is the largest part.
        codeSplitting: {
          groups: [
            {
              name: "markdown",
              test: /node_modules[\\/](react-markdown|remark-|rehype-|micromark|mdast-|hast-|unified|unist-|vfile)/,
              priority: 2,
            },
            { name: "vendor", test: /node_modules[\\/]/, priority: 1 },
          ],
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});
