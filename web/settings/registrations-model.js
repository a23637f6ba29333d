// The Registrations tab's rows: one per registration, in a stable order, with every cell as text.
import { DASH, formatDuration, formatWhen } from './format.js';

export const STATE_LABELS = {
  pending: 'pending',
  firing: 'firing',
  reregistered: 'firing, registered again',
};

// The host's own key of a registration (its scope, kind and tag). `app` will not do: it is null when no
// installed app has the registration's origin, and shared by apps on one origin.
export function registrationKey(r) {
  return JSON.stringify([r.scope, r.kind, r.tag]);
}

// By app name, one-off sync before periodic, then tag (then scope, for apps sharing an origin).
export function sortRegistrations(list) {
  const kindOrder = (k) => (k === 'periodicsync' ? 1 : 0);
  return [...(list ?? [])].sort((a, b) => (a.appName ?? '').localeCompare(b.appName ?? '')
    || String(a.app).localeCompare(String(b.app))
    || kindOrder(a.kind) - kindOrder(b.kind)
    || a.tag.localeCompare(b.tag)
    || String(a.scope).localeCompare(String(b.scope)));
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
  const state = STATE_LABELS[r.state] ?? r.state;
  return {
    key: registrationKey(r),
    app: r.app,
    // panel_fire names an installed app; a registration left by one that is gone cannot be fired.
    canFire: typeof r.app === 'string' && r.app !== '',
    appName: r.appName ?? r.app ?? 'No installed app',
    origin: r.origin,
    kind: r.kind,
    periodic,
    tag: r.tag,
    nextAt: r.nextAt ?? null,
    // Merged cells, so the table fits a window without scrolling sideways.
    stateText: attemptsText(state, r.attempts ?? 0),
    cadence: periodic ? cadenceText(r) : DASH,
    held: heldView(r.held),
    fireLabel: periodic ? 'Fire periodicsync' : 'Fire sync',
  };
}

// "pending", or "pending · 2 attempts" once it failed.
export function attemptsText(state, attempts) {
  if (!attempts) return state;
  return `${state} · ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
}

// A periodic registration's cadence: "every 1 d (asked 1 h; engagement low)". The host sends the
// interval even for engagement "none", whose events the scheduler holds: that one is suspended.
export function cadenceText({ every, minInterval, engagement }) {
  const when = engagement === 'none' || every === null || every === undefined
    ? 'suspended'
    : `every ${formatDuration(every)}`;
  return `${when} (asked ${formatDuration(minInterval)}; engagement ${engagement ?? DASH})`;
}

// The status line after firing: "Fired sync 'outbox'".
export function fireMessage({ tag, periodic, lastChance }) {
  const kind = periodic ? 'periodicsync' : 'sync';
  return `Fired ${kind} '${tag}'${!periodic && lastChance ? ' (last chance)' : ''}`;
}
