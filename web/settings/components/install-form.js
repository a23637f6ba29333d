// "Install an app": a URL field and Install, the host's real steps as they happen (settings:install
// events), then the warnings or the host's error under the field (whose text is kept). The new app
// reaches the list through the host's 'apps' change, not from here.
// data-testid: install-form, install-url, install-button, install-error, install-steps (an <ol> whose
// <li data-step=page|manifest|icon|launcher> carry data-state=pending|current|done|failed),
// install-result, install-warnings.
import { h, uid, errorBox, clearError, showError, reconcile, setText, errorMessage } from '../dom.js';
import {
  startProgress, finishProgress, failProgress, applyInstallEvent,
} from '../install-progress.js';
import { busyFlag } from './action.js';

const STATE_TEXT = { pending: 'not started', current: 'in progress', done: 'done', failed: 'failed' };

export function createInstallForm({ getCtx }) {
  const inputId = uid('install-url');
  const hintId = uid('install-hint');
  const error = errorBox('install-error');
  error.id = uid('install-error');
  const input = h('input', {
    id: inputId, type: 'url', 'data-testid': 'install-url', autocomplete: 'url', spellcheck: 'false',
    placeholder: 'https://app.example/', 'aria-describedby': `${hintId} ${error.id}`,
  });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'install-button', text: 'Install' });
  const steps = h('ol', { class: 'install-steps', 'data-testid': 'install-steps', 'aria-label': 'Install progress', hidden: true });
  const resultText = h('p', { class: 'success' });
  const warnings = h('ul', { class: 'warnings', 'data-testid': 'install-warnings' });
  const result = h('div', { 'data-testid': 'install-result', hidden: true }, resultText, warnings);
  // novalidate: the host judges the URL and says what is wrong with it, in its own words.
  const form = h('form', { class: 'install-form', 'data-testid': 'install-form', novalidate: true },
    h('label', { for: inputId, text: 'Web app address' }),
    h('div', { class: 'field-row' }, input, button),
    h('p', { class: 'hint', id: hintId, text: 'syncshell reads the app’s manifest and adds it to your apps menu. '
      + 'Installing an app again updates it.' }),
    error);
  const titleId = uid('install-title');
  const element = h('section', { class: 'card', 'aria-labelledby': titleId },
    h('h3', { id: titleId, text: 'Install an app' }),
    form,
    h('div', { 'aria-live': 'polite' }, steps),
    result);

  const busy = busyFlag(button);
  let progress = null;

  function render() {
    steps.hidden = progress === null;
    if (!progress) return;
    reconcile(steps, progress.steps, {
      key: (s) => s.step,
      create: (s) => h('li', { 'data-step': s.step },
        h('span', { class: 'step-mark', 'aria-hidden': 'true' }),
        h('span', { text: s.label }),
        h('span', { class: 'visually-hidden' })),
      update: (li, s) => {
        li.dataset.state = s.state;
        setText(li.lastChild, `: ${STATE_TEXT[s.state]}`);
      },
    });
  }

  function invalid(on) {
    if (on) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy.isBusy()) return;
    const url = input.value.trim();
    result.hidden = true;
    if (!url) {
      invalid(true);
      showError(error, { message: 'Type the address of a web app, such as https://app.example/.' });
      input.focus();
      return;
    }
    invalid(false);
    clearError(error);
    busy.set(true);
    input.readOnly = true;
    form.setAttribute('aria-busy', 'true');
    progress = startProgress(url);
    render();
    try {
      const installed = await getCtx().api.install(url);
      progress = finishProgress(progress);
      showResult(installed);
      input.value = '';
      getCtx().say(`${installed.updated ? 'Updated' : 'Installed'} ${installed.name}`);
    } catch (failure) {
      progress = failProgress(progress, errorMessage(failure));
      invalid(true);
      showError(error, failure);
    } finally {
      busy.set(false);
      input.readOnly = false;
      form.removeAttribute('aria-busy');
      render();
    }
  });

  function showResult({ name, updated, warnings: list = [] }) {
    const done = updated ? `Updated ${name}` : `Installed ${name}`;
    const count = list.length === 1 ? 'a warning' : `${list.length} warnings`;
    setText(resultText, list.length ? `${done}, with ${count}:` : `${done}.`);
    warnings.replaceChildren(...list.map((w) => h('li', { text: w })));
    warnings.hidden = list.length === 0;
    result.hidden = false;
  }

  return {
    element,
    // A settings:install event; events of an install this form did not start are ignored.
    progress(event) {
      const next = applyInstallEvent(progress, event);
      if (next === progress) return;
      progress = next;
      render();
    },
  };
}
