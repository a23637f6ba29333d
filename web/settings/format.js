// Formatting of sizes, durations and times for people. Pure functions (the clock and the locale are
// arguments), so the node tests pin them; `locale` undefined means the desktop's own.

const UNITS = [
  { ms: 86_400_000, short: 'd', one: 'day', many: 'days' },
  { ms: 3_600_000, short: 'h', one: 'hour', many: 'hours' },
  { ms: 60_000, short: 'min', one: 'minute', many: 'minutes' },
  { ms: 1_000, short: 's', one: 'second', many: 'seconds' },
];

// What a cell shows for a value it does not have.
export const DASH = '—';

// Decimal units, as GNOME Files and Chrome show storage.
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return DASH;
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let i = 0;
  while (value >= 999.5 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  const shown = value < 9.95 ? value.toFixed(1) : String(Math.round(value));
  return `${shown} ${units[i]}`;
}

function unitText(n, unit, long) {
  if (!long) return `${n} ${unit.short}`;
  return `${n} ${n === 1 ? unit.one : unit.many}`;
}

// The largest unit and the next one when it is not zero: "1 d 12 h", "12 h", "1 h 30 min", "1.5 s".
// An interval is read at a glance, so the smaller units are dropped.
export function formatDuration(ms, { long = false } = {}) {
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 1000) return long ? `${Math.round(ms)} milliseconds` : `${Math.round(ms)} ms`;
  if (ms < 60_000 && ms % 1000 !== 0) {
    const seconds = Number((ms / 1000).toFixed(1));
    return long ? `${seconds} seconds` : `${seconds} s`;
  }
  let rest = Math.round(ms);
  const first = UNITS.findIndex((u) => rest >= u.ms);
  const parts = [];
  for (const unit of UNITS.slice(first, first + 2)) {
    const n = Math.floor(rest / unit.ms);
    rest -= n * unit.ms;
    if (n > 0) parts.push(unitText(n, unit, long));
  }
  return parts.join(' ');
}

// Parses a duration as syncshell's config file writes it ("3d", "90m", "1500ms", "30 s"; a bare
// number is milliseconds). Null when it is not one.
export function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(String(text).trim());
  if (!match) return null;
  const factor = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'];
  return Math.round(Number(match[1]) * factor);
}

// A distance in time, rounded to what a person cares about: "35 s", "4 min", "2 h 5 min", "3 d 2 h".
function approximate(abs) {
  const seconds = Math.round(abs / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(abs / 60_000);
  if (minutes < 60) return `${minutes} min`;
  return formatDuration(minutes * 60_000);
}

// "in 4 min", "2 h 5 min ago", "now" (within a second).
export function formatRelative(at, now) {
  const diff = at - now;
  if (Math.abs(diff) < 1000) return 'now';
  const text = approximate(Math.abs(diff));
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

const formatters = new Map();

function formatter(locale, options) {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

export function formatDate(ms, locale) {
  if (!Number.isFinite(ms)) return DASH;
  return formatter(locale, { dateStyle: 'medium' }).format(ms);
}

export function formatDateTime(ms, locale) {
  if (!Number.isFinite(ms)) return DASH;
  return formatter(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}

function sameLocalDay(a, b) {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

// A moment near now as the scheduler's columns show it: relative within the hour ("in 4 min"), the
// clock time with the distance within a day ("14:05 (in 3 h)"), else date and time.
export function formatWhen(at, now, locale) {
  if (!Number.isFinite(at)) return DASH;
  const diff = at - now;
  if (Math.abs(diff) < 3_600_000) return formatRelative(at, now);
  if (Math.abs(diff) < 86_400_000) {
    const time = sameLocalDay(at, now)
      ? formatter(locale, { timeStyle: 'short' }).format(at)
      : formatDateTime(at, locale);
    return `${time} (${formatRelative(at, now)})`;
  }
  return formatDateTime(at, locale);
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

// The log's timestamp as DevTools prints it, local time to the millisecond: "2024-03-12 14:05:03.123".
export function formatTimestamp(ms) {
  if (!Number.isFinite(ms)) return DASH;
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  return `${date} ${time}`;
}
