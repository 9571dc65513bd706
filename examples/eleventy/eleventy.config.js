// Eleventy 3 configuration of the pressroom example. Every folder is named here,
// so the project builds the same whatever folder Eleventy is started from.
export default function (eleventyConfig) {
  // Only Nunjucks pages are templates: record bodies arrive as data, already
  // rendered from Markdown in _data/press.js, and are never run through Liquid.
  eleventyConfig.setTemplateFormats(["njk"]);
  eleventyConfig.setNunjucksEnvironmentOptions({ autoescape: true, throwOnUndefined: false });
  eleventyConfig.addPassthroughCopy({ "src/style.css": "style.css" });
  eleventyConfig.setQuietMode(true);
  return {
    dir: {
      input: "src",
      includes: "_includes",
      data: "_data",
      output: "_site",
    },
    markdownTemplateEngine: false,
    htmlTemplateEngine: false,
  };
}
