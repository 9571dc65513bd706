// The site's content, read from a pressroom JSON export and nothing else: the
// folder named by PRESS_EXPORT (the build script sets it). Links are resolved
// here, so templates show names, never ids; bodies are rendered from Markdown
// here, so no record text is ever run as a template.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import markdownIt from "markdown-it";

const md = markdownIt({ html: true });

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

// Every record of one model, as exported: {id: document}.
function readModel(root, model) {
  const index = join(root, model, "index.json");
  if (!existsSync(index)) return new Map();
  return new Map(readJson(index).records.map((entry) => [entry.id, readJson(join(root, entry.file))]));
}

// What a byline or a tag list shows for a linked record: the pressroom export's
// label rule (title, else name, else id).
function label(doc, id) {
  return doc?.data?.title ?? doc?.data?.name ?? id;
}

export default function () {
  const root = process.env.PRESS_EXPORT;
  if (!root) {
    throw new Error("PRESS_EXPORT is not set: build with ./build SITE OUT, which exports the site and sets it");
  }
  const manifest = readJson(join(root, "manifest.json"));
  const authorDocs = readModel(root, "author");
  const tagDocs = readModel(root, "tag");

  const authors = new Map();
  for (const [id, doc] of authorDocs) {
    authors.set(id, { id, name: label(doc, id), bio: doc.data.bio ?? "", url: `/authors/${id}/`, posts: [] });
  }
  const tags = new Map();
  for (const [id, doc] of tagDocs) {
    tags.set(id, { id, name: label(doc, id), url: `/tags/${id}/`, posts: [] });
  }

  const posts = [];
  for (const [id, doc] of readModel(root, "post")) {
    const data = doc.data;
    const post = {
      id,
      url: `/posts/${id}/`,
      title: label(doc, id),
      date: data.date ?? (doc.published_at ?? doc.updated_at ?? "").slice(0, 10),
      summary: data.summary ?? "",
      // A link to a record outside the export (not published) shows its id, unlinked.
      author: data.author ? (authors.get(data.author) ?? { id: data.author, name: data.author, url: null }) : null,
      tags: (data.tags ?? []).map((t) => tags.get(t) ?? { id: t, name: t, url: null }),
      html: md.render(data.body ?? ""),
      version: doc.version,
      publishedAt: doc.published_at,
    };
    posts.push(post);
  }
  posts.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
  // Author and tag pages list posts by title (a copy, so that the data has no cycles).
  for (const post of posts) {
    const entry = { id: post.id, url: post.url, title: post.title, date: post.date };
    post.author?.posts?.push(entry);
    for (const tag of post.tags) tag.posts?.push(entry);
  }

  return {
    preview: manifest.preview === true,
    posts,
    authors: [...authors.values()],
    tags: [...tags.values()],
  };
}
