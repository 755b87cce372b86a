// A template's description, written by catalog authors in Markdown, rendered safely: raw
// HTML is skipped, rehype-sanitize removes anything outside GitHub's safe subset, and only
// http(s) and relative URLs survive. Headings are moved below the card's own heading so
// the page's outline stays in order.
import type { ComponentPropsWithoutRef } from "react";
import Markdown, { type Components, type ExtraProps } from "react-markdown";
import rehypeSanitize from "rehype-sanitize";
import { safeUrl } from "./markdownUrls";

type HeadingProps = ComponentPropsWithoutRef<"h3"> & ExtraProps;

function demoted(Tag: "h3" | "h4" | "h5" | "h6") {
  return function DemotedHeading({ node, ...props }: HeadingProps) {
    return <Tag {...props} />;
  };
}

function SafeLink({ node, ...props }: ComponentPropsWithoutRef<"a"> & ExtraProps) {
  const external = typeof props.href === "string" && /^(https?:)?\/\//i.test(props.href);
  return <a {...props} rel={external ? "noopener noreferrer nofollow" : undefined} />;
}

const components: Components = {
  h1: demoted("h3"),
  h2: demoted("h4"),
  h3: demoted("h5"),
  h4: demoted("h6"),
  h5: demoted("h6"),
  h6: demoted("h6"),
  a: SafeLink,
};

export function MarkdownText({ text }: { text: string }) {
  return (
    <div className="markdown">
      <Markdown
        skipHtml
        rehypePlugins={[rehypeSanitize]}
        urlTransform={safeUrl}
        components={components}
      >
        {text}
      </Markdown>
    </div>
  );
}
