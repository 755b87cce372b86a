// The current time, re-rendering the caller every `intervalMs`: what makes countdowns tick.
import { useEffect, useState } from "react";

export function useNow(intervalMs = 1000, enabled = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!enabled) return undefined;
    const timer = window.setInterval(() => {
      setNow(Date.now());
    }, intervalMs);
    return () => {
      window.clearInterval(timer);
    };
  }, [intervalMs, enabled]);
  return now;
}
