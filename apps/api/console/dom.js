// Building DOM nodes without HTML strings. The page's Content-Security-Policy requires Trusted
// Types and allows none, so innerHTML and its kin are off: every node is made here, and every text
// goes in as a text node, which also means nothing a model or a user wrote can become markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Sets attributes, properties and listeners on `node` from `attrs`. */
function apply(node, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      node.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    } else if (key === 'text') {
      node.textContent = value;
    } else if (key === 'value' || key === 'checked' || key === 'disabled' || key === 'hidden') {
      node[key] = value;
    } else {
      node.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: `h('button', {class: 'x', onclick}, 'Label')`. */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** An SVG element, as `h` makes HTML ones. */
export function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

/** The element with this id; throws when the page lacks it, which is a bug. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

// 24×24 stroked icons, drawn for this console.
const ICONS = {
  plus: ['M12 5v14', 'M5 12h14'],
  send: ['M4 12 20 4l-6 16-3-7z', 'M11 13l9-9'],
  stop: ['M7 7h10v10H7z'],
  back: ['M15 18l-6-6 6-6'],
  edit: ['M4 20h4L19 9l-4-4L4 16z', 'M13 7l4 4'],
  archive: ['M4 5h16v4H4z', 'M6 9v10h12V9', 'M10 13h4'],
  restore: ['M4 12a8 8 0 1 0 2.3-5.7', 'M4 4v4h4'],
  trash: ['M5 7h14', 'M10 7V4h4v3', 'M7 7l1 13h8l1-13'],
  up: ['M7 11v9H4v-9z', 'M7 11l4-7c1.7 0 2.6 1.2 2.1 3L12.5 10H18a2 2 0 0 1 2 2.4l-1.4 6A2 2 0 0 1 16.7 20H7'],
  down: ['M7 13V4H4v9z', 'M7 13l4 7c1.7 0 2.6-1.2 2.1-3l-.6-3H18a2 2 0 0 0 2-2.4l-1.4-6A2 2 0 0 0 16.7 4H7'],
  link: ['M10 14l4-4', 'M8 12l-2 2a3 3 0 0 0 4 4l2-2', 'M16 12l2-2a3 3 0 0 0-4-4l-2 2'],
  unlink: ['M8 12l-2 2a3 3 0 0 0 4 4l2-2', 'M16 12l2-2a3 3 0 0 0-4-4l-2 2', 'M4 4l16 16'],
  signOut: ['M10 4H5v16h5', 'M14 8l4 4-4 4', 'M18 12H9'],
  search: ['M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14z', 'M16 16l4 4'],
  check: ['M5 12l5 5 9-10'],
  warning: ['M12 4 3 20h18z', 'M12 10v4', 'M12 17v.5'],
  chart: ['M4 20h16', 'M7 16v-5', 'M12 16V7', 'M17 16v-8'],
};

/** An icon for decoration (hidden from screen readers: the control's text names it). */
export function icon(name) {
  return s(
    'svg',
    {
      class: 'icon',
      viewBox: '0 0 24 24',
      width: 20,
      height: 20,
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': 2,
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
      'aria-hidden': 'true',
      focusable: 'false',
    },
    (ICONS[name] ?? []).map((d) => s('path', { d })),
  );
}
