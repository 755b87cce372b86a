// Narrowing the catalog: free text over name, description and tags, and tag toggles
// (a template must have every selected tag).
import type { Template } from "../../client/types";

/** Every tag in the catalog, once each, sorted. */
export function allTags(templates: readonly Template[]): string[] {
  return [...new Set(templates.flatMap((template) => template.tags))].sort((a, b) =>
    a.localeCompare(b),
  );
}

export function filterTemplates(
  templates: readonly Template[],
  search: string,
  tags: ReadonlySet<string>,
): Template[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return templates.filter((template) => {
    for (const tag of tags) if (!template.tags.includes(tag)) return false;
    const text = [template.name, template.description, ...template.tags].join(" ").toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
