// Small DOM helpers. Text always goes in as text nodes / textContent: names, tags and metadata come
// from installed web apps and are untrusted, and the CSP forbids inline handlers and styles anyway.

// h('button', { class: 'primary', type: 'button', 'data-testid': 'open-app', on: { click } }, 'Open')
// Booleans and `value` are set as properties (checked, disabled, hidden, ...); 'aria-*', 'data-*',
// 'role' and other strings as attributes; null and undefined are left out.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined) continue;
    if (key === 'on') {
      for (const [type, listener] of Object.entries(value)) el.addEventListener(type, listener);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'text') {
      el.textContent = value;
    } else if (typeof value === 'boolean' && !key.startsWith('aria-') && !key.startsWith('data-')) {
      // A property where the element has one (checked, disabled, hidden), else a boolean attribute
      // (novalidate: the property is spelled noValidate).
      if (key in el) el[key] = value;
      else if (value) el.setAttribute(key, '');
    } else if (key === 'value') {
      el.value = value;
    } else {
      el.setAttribute(key, String(value));
    }
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

let lastId = 0;

// A fresh id for label/aria references; never derived from app data.
export function uid(prefix) {
  lastId += 1;
  return `${prefix}-${lastId}`;
}

// Sets text only when it differs, so an unchanged render does not disturb selection or screen readers.
export function setText(el, text) {
  const value = String(text ?? '');
  if (el.textContent !== value) el.textContent = value;
}

// Keeps `parent`'s element children in step with `items`, by key: an existing element is kept (with
// its focus, scroll and state) and passed to `update`; new ones come from `create`; missing ones go.
export function reconcile(parent, items, { key, create, update }) {
  const existing = new Map();
  for (const child of Array.from(parent.children)) existing.set(child.dataset.key, child);
  const wanted = items.map((item) => {
    const k = String(key(item));
    let el = existing.get(k);
    if (el) existing.delete(k);
    else {
      el = create(item);
      el.dataset.key = k;
    }
    update?.(el, item);
    return el;
  });
  for (const el of existing.values()) el.remove();
  wanted.forEach((el, i) => {
    const at = parent.children[i];
    if (at !== el) parent.insertBefore(el, at ?? null);
  });
  return wanted;
}

// A label / value pair of a `.facts` list: append `nodes`, fill `value` (the <dd>, made with `props`).
export function fact(label, props = {}) {
  const value = h('dd', props);
  return { value, nodes: [h('dt', { text: label }), value] };
}

// A message under a control: role=alert so it is read out when it appears.
export function errorBox(testid) {
  return h('p', { class: 'error', role: 'alert', 'data-testid': testid, hidden: true });
}

export function showError(box, error) {
  box.textContent = errorMessage(error);
  box.hidden = false;
}

export function clearError(box) {
  box.textContent = '';
  box.hidden = true;
}

export function errorMessage(error) {
  if (error && typeof error.message === 'string' && error.message !== '') return error.message;
  return String(error ?? 'Something went wrong.');
}

// Replaces the options of a <select>, keeping its value when that option is still there, else the
// first. Returns true when the value changed (its option went away), for the caller to follow.
export function setOptions(select, options) {
  const same = select.options.length === options.length
    && options.every((o, i) => select.options[i].value === o.value && select.options[i].textContent === o.label);
  if (same) return false;
  const value = select.value;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value, text: o.label })));
  const kept = options.some((o) => o.value === value);
  select.value = kept ? value : (options[0]?.value ?? '');
  return select.value !== value;
}
