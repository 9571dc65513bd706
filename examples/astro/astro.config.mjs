// Astro 5 configuration of the pressroom example. The build script sets
// PRESS_ASTRO_OUT (where to build) and PRESS_ASTRO_CACHE, a fresh folder for
// every build: Astro keeps the content it loaded in its cache, and a build
// must never start from the records of an earlier one (a preview's drafts).
// (`astro build --outDir` also writes Astro's .astro/ files into the output.)
import { defineConfig } from "astro/config";

export default defineConfig({
  outDir: process.env.PRESS_ASTRO_OUT ?? "./dist",
  cacheDir: process.env.PRESS_ASTRO_CACHE ?? "./node_modules/.astro",
  build: { format: "directory" },
  markdown: { syntaxHighlight: false },
});
