// The page's one h1. It also names the browser tab, and after an in-app navigation takes
// the focus, so a screen reader announces the new page instead of staying on the old link.
import { useEffect, useRef, type ReactNode } from "react";
import { useLocation } from "react-router";

// React Router's key of the location the page was loaded at (no in-app navigation yet).
const FIRST_LOCATION = "default";

interface Props {
  /** The tab title (defaults to the heading's text when that is a string). */
  title?: string;
  children: ReactNode;
}

export function PageHeading({ title, children }: Props) {
  const ref = useRef<HTMLHeadingElement>(null);
  const tabTitle = title ?? (typeof children === "string" ? children : "");
  const { key } = useLocation();
  const navigated = key !== FIRST_LOCATION;

  useEffect(() => {
    document.title = tabTitle === "" ? "Orchestra" : `${tabTitle} · Orchestra`;
  }, [tabTitle]);

  useEffect(() => {
    if (navigated) ref.current?.focus();
  }, [navigated]);

  return (
    <h1 ref={ref} tabIndex={-1} className="page-heading">
      {children}
    </h1>
  );
}
