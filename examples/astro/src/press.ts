// Where the export is, and what the pages need from it: posts newest first,
// with the names of their author and tags (a link to a record that is not in
// the export shows its id, unlinked).
import { readFileSync } from "node:fs";
import { getCollection, type CollectionEntry } from "astro:content";

const dir = process.env.PRESS_EXPORT;
if (!dir) {
  throw new Error("PRESS_EXPORT is not set: build with ./build SITE OUT, which exports the site and sets it");
}
export const exportDir: string = dir;

/** True for a --preview export (current versions, drafts included). */
export const preview: boolean = JSON.parse(readFileSync(`${exportDir}/manifest.json`, "utf8")).preview === true;

export type Named = { id: string; name: string; url: string | null };
export type Post = {
  entry: CollectionEntry<"posts">;
  id: string;
  url: string;
  title: string;
  date: string;
  summary: string;
  author: Named;
  tags: Named[];
};

export async function loadPosts(): Promise<Post[]> {
  const authors = new Map((await getCollection("authors")).map((a) => [a.id, a.data.name]));
  const tags = new Map((await getCollection("tags")).map((t) => [t.id, t.data.name]));
  const named = (names: Map<string, string>, base: string, id: string): Named =>
    names.has(id) ? { id, name: names.get(id)!, url: `/${base}/${id}/` } : { id, name: id, url: null };
  const posts = (await getCollection("posts")).map((entry) => ({
    entry,
    id: entry.id,
    url: `/posts/${entry.id}/`,
    title: entry.data.title,
    date: entry.data.date ?? (entry.data.pressroom.published_at ?? entry.data.pressroom.updated_at ?? "").slice(0, 10),
    summary: entry.data.summary ?? "",
    author: named(authors, "authors", entry.data.author.id),
    tags: entry.data.tags.map((t) => named(tags, "tags", t.id)),
  }));
  return posts.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
}
