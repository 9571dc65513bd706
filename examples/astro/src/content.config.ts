// The site's content, read from a pressroom Markdown export and nothing else:
// the folder named by PRESS_EXPORT (the build script sets it). Bodies are plain
// Markdown (never MDX), so no record text is run as a template.
import { defineCollection, reference, z } from "astro:content";
import { glob } from "astro/loaders";
import { exportDir } from "./press";

// The file name is the record id, kept exactly (the default would slugify it).
const byRecordId = ({ entry }: { entry: string }) => entry.replace(/\.md$/, "");
const fromExport = (model: string) =>
  glob({ pattern: "*.md", base: `${exportDir}/${model}`, generateId: byRecordId });

const pressroom = z.object({
  record: z.string(),
  version: z.string(),
  published_at: z.string().nullable(),
  updated_at: z.string().nullable(),
}).passthrough();

const authors = defineCollection({
  loader: fromExport("author"),
  schema: z.object({ name: z.string(), bio: z.string().optional(), pressroom }),
});

const tags = defineCollection({
  loader: fromExport("tag"),
  schema: z.object({ name: z.string(), pressroom }),
});

const posts = defineCollection({
  loader: fromExport("post"),
  schema: z.object({
    title: z.string(),
    date: z.string().optional(),
    summary: z.string().optional(),
    author: reference("authors"),
    tags: z.array(reference("tags")).default([]),
    pressroom,
  }),
});

export const collections = { authors, tags, posts };
