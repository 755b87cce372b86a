// A container that scrolls sideways on its own (wide tables, YAML) so the page never does
// on a phone. Focusable, so keyboard users can scroll it, and named by its caption.
import type { ReactNode } from "react";

interface Props {
  labelledBy: string;
  children: ReactNode;
}

export function ScrollRegion({ labelledBy, children }: Props) {
  return (
    <div className="scroll-region" role="region" aria-labelledby={labelledBy} tabIndex={0}>
      {children}
    </div>
  );
}
