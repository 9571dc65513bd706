// Astro 5 configuration of the pressroom example. The build script sets
// PRESS_ASTRO_OUT (where to build) and PRESS_ASTRO_CACHE, a fresh folder for
// every build: Astro keeps the content it loaded in its cache, and a build
// should depend on its export alone, never on what an earlier build (a
// preview, with drafts) loaded.
import { defineConfig } from "astro/config";

export default defineConfig({
  outDir: process.env.PRESS_ASTRO_OUT ?? "./dist",
  cacheDir: process.env.PRESS_ASTRO_CACHE ?? "./node_modules/.astro",
  build: { format: "directory" },
  markdown: { syntaxHighlight: false },
});
