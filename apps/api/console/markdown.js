// The answers' light Markdown (paragraphs, bullet and numbered lists, tables, **bold**, `code`)
// as DOM nodes. Everything else stays text: nothing an answer says can become markup or a link.

import { h } from './dom.js';

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const TABLE_ROW = /^\s*\|(.*)\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
const HEADING = /^\s*#{1,6}\s+(.*)$/;

/** `**bold**` and `code` within a line; the rest as text. */
function inline(text) {
  const parts = [];
  const pattern = /\*\*([^*]+)\*\*|`([^`]+)`/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(match[1] !== undefined ? h('strong', {}, match[1]) : h('code', {}, match[2]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function cells(line) {
  return TABLE_ROW.exec(line)[1].split('|').map((c) => c.trim());
}

function table(lines) {
  const rows = lines.filter((l) => !TABLE_RULE.test(l)).map(cells);
  const hasHeader = lines.length > 1 && TABLE_RULE.test(lines[1]);
  const [head, ...body] = hasHeader ? rows : [null, ...rows];
  return h(
    'div',
    { class: 'md-table' },
    h(
      'table',
      {},
      head ? h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, inline(c))))) : null,
      h('tbody', {}, body.map((r) => h('tr', {}, r.map((c) => h('td', {}, inline(c)))))),
    ),
  );
}

/** The answer's text as a fragment of paragraphs, lists and tables. */
export function renderAnswer(text) {
  const fragment = document.createDocumentFragment();
  const lines = String(text ?? '').split(/\r?\n/);
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i += 1;
      continue;
    }
    if (TABLE_ROW.test(line)) {
      const start = i;
      while (i < lines.length && TABLE_ROW.test(lines[i])) i += 1;
      fragment.append(table(lines.slice(start, i)));
      continue;
    }
    const kind = BULLET.test(line) ? BULLET : NUMBERED.test(line) ? NUMBERED : null;
    if (kind) {
      const items = [];
      while (i < lines.length && kind.test(lines[i])) {
        items.push(h('li', {}, inline(kind.exec(lines[i])[1])));
        i += 1;
      }
      fragment.append(h(kind === BULLET ? 'ul' : 'ol', {}, items));
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      fragment.append(h('p', { class: 'md-heading' }, h('strong', {}, inline(heading[1]))));
      i += 1;
      continue;
    }
    // A paragraph runs to a blank line or to where a list or table starts.
    const paragraph = [];
    while (
      i < lines.length &&
      lines[i].trim() &&
      !TABLE_ROW.test(lines[i]) &&
      !BULLET.test(lines[i]) &&
      !NUMBERED.test(lines[i]) &&
      !HEADING.test(lines[i])
    ) {
      if (paragraph.length) paragraph.push(h('br'));
      paragraph.push(inline(lines[i]));
      i += 1;
    }
    fragment.append(h('p', {}, paragraph));
  }
  return fragment;
}
