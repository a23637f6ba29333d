// The install form's step list, driven by the host's `settings:install` events and by the install
// command's own outcome (which wins: events may be missed if listening failed). Pure: each function
// returns a new progress.

export const INSTALL_STEPS = [
  { step: 'page', label: 'Fetching the page' },
  { step: 'manifest', label: 'Reading the manifest' },
  { step: 'icon', label: 'Fetching the icon' },
  { step: 'launcher', label: 'Writing the launcher' },
];

// A step's state: 'pending', 'current', 'done' or 'failed'. The phase: 'running', 'done', 'failed'.
function withCurrent(progress, index) {
  return {
    ...progress,
    steps: progress.steps.map((s, i) => ({ ...s, state: i < index ? 'done' : i === index ? 'current' : 'pending' })),
  };
}

// The host starts with the page, so that step is current from the click on.
export function startProgress(url) {
  return withCurrent({ url, phase: 'running', message: null, steps: INSTALL_STEPS.map((s) => ({ ...s })) }, 0);
}

export function finishProgress(progress) {
  return { ...progress, phase: 'done', steps: progress.steps.map((s) => ({ ...s, state: 'done' })) };
}

// The step under way fails; the ones after it never ran.
export function failProgress(progress, message) {
  if (progress.phase === 'failed') return { ...progress, message: message ?? progress.message };
  let index = progress.steps.findIndex((s) => s.state === 'current');
  if (index < 0) index = Math.max(0, progress.steps.findIndex((s) => s.state !== 'done'));
  return {
    ...progress,
    phase: 'failed',
    message: message ?? null,
    steps: progress.steps.map((s, i) => (i === index ? { ...s, state: 'failed' } : s)),
  };
}

// One `settings:install` event. Only panel_install sends them, with the URL as the panel gave it; one
// of another URL (an install left running by the page before a reload), events after the end, and
// steps going backwards leave the progress as it is.
export function applyInstallEvent(progress, event) {
  if (!progress || progress.phase !== 'running' || !event || event.url !== progress.url) return progress;
  if (event.step === 'done') return finishProgress(progress);
  if (event.step === 'failed') return failProgress(progress, event.message);
  const index = INSTALL_STEPS.findIndex((s) => s.step === event.step);
  const current = progress.steps.findIndex((s) => s.state === 'current');
  if (index < 0 || index < current) return progress;
  return withCurrent(progress, index);
}
