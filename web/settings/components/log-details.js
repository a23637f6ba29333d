// The details pane of the Background services tab: the selected entry's fields and every metadata
// key as a key/value row (nested values as JSON), or a hint when nothing is selected.
// data-testid: log-details, log-detail-row (data-key: the metadata key).
import { h, fact, uid } from '../dom.js';
import { DASH, formatTimestamp } from '../format.js';
import { metadataRows, serviceLabel } from '../log-model.js';

export function createLogDetails() {
  const titleId = uid('log-details-title');
  const element = h('section', { class: 'card log-details', 'data-testid': 'log-details', 'aria-labelledby': titleId });
  const title = h('h3', { id: titleId, text: 'Details' });
  const body = h('div', { class: 'details-body' });
  element.append(title, body);

  return {
    element,
    show(entry) {
      if (!entry) {
        element.removeAttribute('data-id');
        title.textContent = 'Details';
        body.replaceChildren(h('p', { class: 'hint', text: 'Select an event to see its details.' }));
        return;
      }
      element.dataset.id = String(entry.id);
      title.textContent = entry.event;
      const pair = (label, text) => fact(label, { text }).nodes;
      const facts = h('dl', { class: 'facts' },
        ...pair('#', String(entry.id)),
        ...pair('Timestamp', formatTimestamp(entry.at)),
        ...pair('Origin', entry.origin),
        ...pair('App', entry.app ?? DASH),
        ...pair('Service', serviceLabel(entry.service)),
        ...pair('Tag', entry.tag));
      const rows = metadataRows(entry.metadata);
      const metadata = rows.length === 0
        ? h('p', { class: 'hint', text: 'No metadata.' })
        : h('table', { class: 'kv' }, h('caption', { class: 'visually-hidden', text: 'Metadata' }),
          h('tbody', {}, ...rows.map((row) => h('tr', { 'data-testid': 'log-detail-row', 'data-key': row.key },
            h('th', { scope: 'row', text: row.key }),
            h('td', {}, row.json ? h('pre', { text: row.text }) : row.text)))));
      body.replaceChildren(facts, h('h4', { text: 'Metadata' }), metadata);
    },
  };
}
