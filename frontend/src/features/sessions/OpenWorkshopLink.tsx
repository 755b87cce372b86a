// The link into a Ready workshop, opened in a new tab so the dashboard (with its
// countdown and warnings) stays open. Only http(s) URLs from the api are linked.
import { safeUrl } from "../../components/markdownUrls";

interface Props {
  url: string | null;
  label?: string;
}

export function OpenWorkshopLink({ url, label = "Open workshop" }: Props) {
  const href = url ? safeUrl(url) : null;
  if (href === null || href === "") return null;
  return (
    <a className="button button-primary" href={href} target="_blank" rel="noopener">
      {label}
      <span aria-hidden="true"> ↗</span>
    </a>
  );
}
