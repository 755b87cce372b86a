// What a learner waiting for a launch reads: their number in line and, when the recent pace
// allows one, an estimate; never an invented one.

export function minutesInWords(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  if (minutes < 90) return `about ${minutes} ${minutes === 1 ? "minute" : "minutes"}`;
  const hours = Math.round(minutes / 60);
  return `about ${hours} hours`;
}

export function lineText(position: number | null, estimateSeconds: number | null): string {
  const place = position === null ? "You are in line" : `You are number ${position} in line`;
  if (estimateSeconds === null) {
    return `${place}; how long it takes is unknown (no session has ended recently).`;
  }
  return `${place}, ${minutesInWords(estimateSeconds)}.`;
}
