// Unit tests of dom.js's keyed reconciliation and helpers, over a minimal stand-in for the DOM (just
// what dom.js uses), since node has none.
import { test } from 'node:test';
import assert from 'node:assert/strict';

class FakeElement {
  constructor(tag) {
    this.tagName = tag.toUpperCase();
    this.childNodes = [];
    this.parentNode = null;
    this.dataset = {};
    this.attributes = {};
    this.listeners = {};
    this.ownText = '';
    this.value = '';
    if (tag === 'input') this.checked = false;
    if (tag === 'button' || tag === 'input') this.disabled = false;
  }
  get children() {
    return this.childNodes.filter((c) => c instanceof FakeElement);
  }
  get options() {
    return this.children;
  }
  get textContent() {
    return this.ownText + this.childNodes.map((c) => (typeof c === 'string' ? c : c.textContent)).join('');
  }
  set textContent(text) {
    this.childNodes = [];
    this.ownText = text;
  }
  setAttribute(name, value) {
    this.attributes[name] = value;
  }
  addEventListener(type, fn) {
    this.listeners[type] = fn;
  }
  append(...nodes) {
    for (const n of nodes) this.insertBefore(n, null);
  }
  replaceChildren(...nodes) {
    this.childNodes = [];
    this.append(...nodes);
  }
  insertBefore(node, ref) {
    if (node instanceof FakeElement) node.remove();
    const i = ref ? this.childNodes.indexOf(ref) : this.childNodes.length;
    this.childNodes.splice(i, 0, node);
    if (node instanceof FakeElement) node.parentNode = this;
  }
  remove() {
    if (!this.parentNode) return;
    this.parentNode.childNodes.splice(this.parentNode.childNodes.indexOf(this), 1);
    this.parentNode = null;
  }
}

globalThis.document = { createElement: (tag) => new FakeElement(tag) };
const { h, fact, reconcile, setOptions, setText, errorMessage } = await import('./dom.js');

test('h sets classes, text, properties, attributes and listeners', () => {
  const click = () => {};
  const el = h('button', {
    class: 'primary', type: 'button', disabled: true, 'aria-pressed': false, 'data-testid': 'fire', on: { click }, title: null,
  }, 'Fire ', null, ['sync']);
  assert.equal(el.className, 'primary');
  assert.equal(el.disabled, true);
  assert.deepEqual(el.attributes, { type: 'button', 'aria-pressed': 'false', 'data-testid': 'fire' });
  assert.equal(el.listeners.click, click);
  assert.equal(el.textContent, 'Fire sync');
  assert.equal(h('p', { text: '<b>not html</b>' }).textContent, '<b>not html</b>');
  const form = h('form', { novalidate: true, hidden: false });
  assert.equal(form.attributes.novalidate, '', 'no such property: set as an attribute');
  assert.equal(form.hidden, undefined, 'false and not a property: left out');
  const box = h('input', { checked: true });
  assert.equal(box.checked, true, 'a property where the element has one');
  assert.equal(box.attributes.checked, undefined);
});

test('reconcile keeps elements by key, adds, removes and reorders', () => {
  const list = h('ul');
  const created = [];
  const spec = {
    key: (item) => item.id,
    create: (item) => {
      created.push(item.id);
      return h('li');
    },
    update: (el, item) => setText(el, item.label),
  };
  reconcile(list, [{ id: 'a', label: 'A' }, { id: 'b', label: 'B' }, { id: 'c', label: 'C' }], spec);
  const [a, b, c] = list.children;
  assert.equal(list.textContent, 'ABC');
  reconcile(list, [{ id: 'c', label: 'C2' }, { id: 'd', label: 'D' }, { id: 'a', label: 'A' }], spec);
  assert.deepEqual(created, ['a', 'b', 'c', 'd']);
  assert.equal(list.textContent, 'C2DA');
  assert.equal(list.children[0], c, 'kept, not rebuilt');
  assert.equal(list.children[2], a);
  assert.equal(b.parentNode, null, 'removed');
  assert.deepEqual(list.children.map((el) => el.dataset.key), ['c', 'd', 'a']);
  reconcile(list, [], spec);
  assert.equal(list.children.length, 0);
});

test('setOptions keeps the chosen value while it exists, and leaves equal options alone', () => {
  const select = h('select');
  assert.equal(setOptions(select, [{ value: '', label: 'All apps' }, { value: 'demo', label: 'Demo' }]), false);
  assert.equal(select.value, '');
  select.value = 'demo';
  const before = select.children[1];
  assert.equal(setOptions(select, [{ value: '', label: 'All apps' }, { value: 'demo', label: 'Demo' }]), false);
  assert.equal(select.children[1], before, 'not rebuilt');
  const apps = [{ value: '', label: 'All apps' }, { value: 'demo', label: 'Demo' }, { value: 'news', label: 'News' }];
  assert.equal(setOptions(select, apps), false);
  assert.equal(select.value, 'demo');
  assert.deepEqual(select.children.map((o) => [o.value, o.textContent]), [['', 'All apps'], ['demo', 'Demo'], ['news', 'News']]);
  select.value = 'news';
  assert.equal(setOptions(select, [{ value: '', label: 'All apps' }]), true, 'its option went away');
  assert.equal(select.value, '');
});

test('error messages', () => {
  assert.equal(errorMessage({ kind: 'x', message: 'No manifest.' }), 'No manifest.');
  assert.equal(errorMessage('plain'), 'plain');
  assert.equal(errorMessage(undefined), 'Something went wrong.');
});

test('a fact is a <dt> label and the <dd> to fill', () => {
  const { value, nodes } = fact('Version', { 'data-testid': 'version', class: null });
  assert.deepEqual(nodes.map((n) => n.tagName), ['DT', 'DD']);
  assert.equal(nodes[1], value);
  assert.equal(nodes[0].textContent, 'Version');
  assert.deepEqual(value.attributes, { 'data-testid': 'version' });
});
