// Keyboard movement in a row of tabs or a list of rows: the index a key moves to, or null when the key
// does not move. Tabs wrap around (the ARIA tabs pattern); the log's rows stop at the ends.
const NEXT = new Set(['ArrowDown', 'ArrowRight']);
const PREVIOUS = new Set(['ArrowUp', 'ArrowLeft']);

export function indexForKey(key, index, count, { wrap = true, vertical = false } = {}) {
  if (count <= 0) return null;
  if (vertical && (key === 'ArrowLeft' || key === 'ArrowRight')) return null;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  let step = 0;
  if (NEXT.has(key)) step = 1;
  else if (PREVIOUS.has(key)) step = -1;
  else return null;
  if (index < 0) return step > 0 ? 0 : count - 1;
  const next = index + step;
  if (wrap) return (next + count) % count;
  return Math.min(count - 1, Math.max(0, next));
}
