import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { safeUrl } from "./markdownUrls";
import { MarkdownText } from "./MarkdownText";

function renderMarkdown(text: string): HTMLElement {
  return render(<MarkdownText text={text} />).container;
}

describe("MarkdownText", () => {
  it("renders ordinary Markdown", () => {
    const html = renderMarkdown("Hello **world**, see [the docs](https://example.org/docs).");
    expect(html.querySelector("strong")?.textContent).toBe("world");
    expect(html.querySelector("a")?.getAttribute("href")).toBe("https://example.org/docs");
  });

  it("neutralises a <script> tag", () => {
    const html = renderMarkdown(
      'Before <script>alert("x")</script> after\n\n<script>alert(1)</script>',
    );
    expect(html.querySelector("script")).toBeNull();
    expect(html.innerHTML).not.toContain("<script");
  });

  it("neutralises an <img onerror>", () => {
    const html = renderMarkdown('<img src="x" onerror="alert(1)">\n\n![pic](x.png "t")');
    for (const image of html.querySelectorAll("img")) {
      expect(image.getAttribute("onerror")).toBeNull();
    }
    expect(html.innerHTML).not.toContain("onerror");
  });

  it("drops javascript: and data: links", () => {
    const html = renderMarkdown(
      "[click](javascript:alert(1)) [again](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [tab](java\tscript:alert(1))",
    );
    const hrefs = [...html.querySelectorAll("a")].map((link) => link.getAttribute("href"));
    for (const href of hrefs) {
      expect(href ?? "").not.toMatch(/script|data:/i);
    }
    expect(html.innerHTML.toLowerCase()).not.toContain("javascript:");
  });

  it("keeps its headings below the card's", () => {
    const html = renderMarkdown("# Big\n\n## Smaller");
    expect(html.querySelector("h1")).toBeNull();
    expect(html.querySelector("h3")?.textContent).toBe("Big");
    expect(html.querySelector("h4")?.textContent).toBe("Smaller");
  });
});

describe("safeUrl", () => {
  it("keeps http, https, relative and fragment links", () => {
    for (const url of [
      "https://example.org/a",
      "http://example.org",
      "HTTPS://EXAMPLE.ORG",
      "/course/intro",
      "intro.html",
      "#setup",
      "?page=2",
      "docs/a:b",
      "//cdn.example.org/x",
    ]) {
      expect(safeUrl(url)).toBe(url);
    }
  });

  it("drops every other scheme", () => {
    for (const url of [
      "javascript:alert(1)",
      " javascript:alert(1)",
      "JAVASCRIPT:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "vbscript:msgbox",
      "file:///etc/passwd",
      "mailto:a@example.org",
      "\u0001javascript:alert(1)",
    ]) {
      expect(safeUrl(url)).toBeNull();
    }
  });
});
