import { describe, expect, it } from "vitest";
import { aTemplate } from "../../test/fixtures";
import { allTags, filterTemplates } from "./catalogFilter";

const rstudio = aTemplate({ slug: "rstudio", name: "RStudio", tags: ["r", "bioconductor"] });
const jupyter = aTemplate({
  slug: "jupyter",
  name: "JupyterLab",
  description: "Python notebooks",
  tags: ["python"],
});
const vscode = aTemplate({
  slug: "vscode",
  name: "VS Code",
  description: "An editor for R and Python",
  tags: ["python", "r"],
});
const all = [rstudio, jupyter, vscode];

describe("catalog filtering", () => {
  it("lists every tag once, sorted", () => {
    expect(allTags(all)).toEqual(["bioconductor", "python", "r"]);
  });

  it("matches every word of the search in name, description or tags", () => {
    expect(filterTemplates(all, "notebooks", new Set()).map((t) => t.slug)).toEqual(["jupyter"]);
    expect(filterTemplates(all, "jupyter", new Set()).map((t) => t.slug)).toEqual(["jupyter"]);
    expect(filterTemplates(all, "editor python", new Set()).map((t) => t.slug)).toEqual(["vscode"]);
    expect(filterTemplates(all, "BIOCONDUCTOR", new Set()).map((t) => t.slug)).toEqual(["rstudio"]);
    expect(filterTemplates(all, "  ", new Set())).toHaveLength(3);
  });

  it("keeps templates that have every selected tag", () => {
    expect(filterTemplates(all, "", new Set(["python"])).map((t) => t.slug)).toEqual([
      "jupyter",
      "vscode",
    ]);
    expect(filterTemplates(all, "", new Set(["python", "r"])).map((t) => t.slug)).toEqual([
      "vscode",
    ]);
  });
});
