// Which URLs a template's Markdown description may link to: http(s) and relative links
// (including #fragments). Everything else — javascript:, data:, vbscript:, file: … — is
// dropped, whatever its spelling, because only an exact http/https scheme passes.

const SAFE_SCHEME = /^https?$/i;

export function safeUrl(url: string): string | null {
  const candidate = url.trim();
  const colon = candidate.indexOf(":");
  if (colon === -1) return candidate;
  const delimiters = ["/", "?", "#"]
    .map((mark) => candidate.indexOf(mark))
    .filter((at) => at !== -1);
  const firstDelimiter = delimiters.length === 0 ? -1 : Math.min(...delimiters);
  // A colon after the first /, ? or # is part of a relative path, not a scheme.
  if (firstDelimiter !== -1 && colon > firstDelimiter) return candidate;
  return SAFE_SCHEME.test(candidate.slice(0, colon)) ? candidate : null;
}
