// The Background services tab's model: filtering the log as the host's own filters do (an app means its
// origin, as the log is kept per origin), service names, the details pane's rows, the retention note.
import { formatDuration, parseDuration } from './format.js';

export const SERVICES = [
  { value: 'sync', label: 'Background sync' },
  { value: 'periodicsync', label: 'Periodic background sync' },
  { value: 'notifications', label: 'Notifications' },
];

export function serviceLabel(service) {
  return SERVICES.find((s) => s.value === service)?.label ?? service;
}

// `origin` and `service` null mean all.
export function filterLog(entries, { origin = null, service = null } = {}) {
  return (entries ?? []).filter((e) => (origin === null || e.origin === origin) && (service === null || e.service === service));
}

// A metadata value as text; objects and arrays as indented JSON (shown preformatted).
export function metadataValue(value) {
  if (typeof value === 'string') return { text: value, json: false };
  if (value !== null && typeof value === 'object') return { text: JSON.stringify(value, null, 2), json: true };
  return { text: String(value), json: false };
}

// Every metadata key in the host's order. Metadata that is not an object (the host stores JSON, so in
// principle anything) is one row rather than lost.
export function metadataRows(metadata) {
  if (metadata === null || metadata === undefined) return [];
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return [{ key: 'metadata', ...metadataValue(metadata) }];
  return Object.entries(metadata).map(([key, value]) => ({ key, ...metadataValue(value) }));
}

export function retentionNote(parameters) {
  const value = (parameters ?? []).find((p) => p.name === 'log_retention')?.value;
  if (!value) return 'Recording is always on.';
  const ms = parseDuration(value);
  const kept = ms === null ? value : formatDuration(ms, { long: true });
  return `Recording is always on; entries are kept for ${kept}.`;
}

// True when a scroll box shows its last line (within a pixel or two of rounding).
export function atBottom({ scrollTop, clientHeight, scrollHeight }) {
  return scrollHeight - scrollTop - clientHeight <= 2;
}
