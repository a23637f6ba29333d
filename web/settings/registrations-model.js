// The Registrations tab's rows: one per registration, in a stable order, with every cell as text.
import { formatDuration, formatWhen } from './format.js';

const DASH = '—';

export const STATE_LABELS = {
  pending: 'pending',
  firing: 'firing',
  reregistered: 'firing, registered again',
};

export function registrationKey(r) {
  return JSON.stringify([r.app, r.kind, r.tag]);
}

// By app name, one-off sync before periodic, then tag.
export function sortRegistrations(list) {
  const kindOrder = (k) => (k === 'periodicsync' ? 1 : 0);
  return [...(list ?? [])].sort((a, b) => (a.appName ?? '').localeCompare(b.appName ?? '')
    || String(a.app).localeCompare(String(b.app))
    || kindOrder(a.kind) - kindOrder(b.kind)
    || a.tag.localeCompare(b.tag));
}

// When it fires next: null means the host waits for the network.
export function nextText(nextAt, now, locale) {
  if (nextAt === null || nextAt === undefined) return 'as soon as online';
  return formatWhen(nextAt, now, locale);
}

// The held cell: a short badge ("held: blocked") and the host's sentence for people.
export function heldView(held) {
  if (!held) return null;
  return { label: `held: ${held.reason}`, text: held.text ?? '' };
}

export function registrationRow(r) {
  const periodic = r.kind === 'periodicsync';
  let every = DASH;
  // A null interval on a periodic tag: the app's engagement is "none", so it is suspended.
  if (periodic) every = r.every === null || r.every === undefined ? 'suspended' : formatDuration(r.every);
  return {
    key: registrationKey(r),
    app: r.app,
    appName: r.appName ?? r.app,
    origin: r.origin,
    kind: r.kind,
    periodic,
    tag: r.tag,
    state: STATE_LABELS[r.state] ?? r.state,
    attempts: String(r.attempts ?? 0),
    nextAt: r.nextAt ?? null,
    minInterval: periodic ? formatDuration(r.minInterval) : DASH,
    every,
    engagement: r.engagement ?? DASH,
    // Merged cells, so the table fits a window without scrolling sideways.
    stateText: attemptsText(STATE_LABELS[r.state] ?? r.state, r.attempts ?? 0),
    cadence: periodic ? cadenceText(every, formatDuration(r.minInterval), r.engagement) : DASH,
    held: heldView(r.held),
    fireLabel: periodic ? 'Fire periodicsync' : 'Fire sync',
  };
}

// "pending", or "pending · 2 attempts" once it failed.
export function attemptsText(state, attempts) {
  if (!attempts) return state;
  return `${state} · ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
}

// A periodic registration's cadence: "every 1 d (asked 1 h; engagement low)".
export function cadenceText(every, asked, engagement) {
  const when = every === 'suspended' ? 'suspended' : `every ${every}`;
  return `${when} (asked ${asked}; engagement ${engagement ?? DASH})`;
}

// The status line after firing: "Fired sync 'outbox'".
export function fireMessage({ tag, periodic, lastChance }) {
  const kind = periodic ? 'periodicsync' : 'sync';
  return `Fired ${kind} '${tag}'${!periodic && lastChance ? ' (last chance)' : ''}`;
}
