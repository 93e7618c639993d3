// The console: sign-in, clients and their platforms, conversations, and the chat with the analyst.
// Plain modules, no build step, no framework: the state lives in `state`, each part of the page
// has one function that draws it from there, and every call goes through `api`.

import { Api, ApiProblem, CONSOLE_PROBLEM } from './api.js';
import { chartsFor } from './chart.js';
import { byId, h, icon } from './dom.js';
import { PLATFORMS, connectionState, describeLookup, formatDateTime, formatInteger, formatRange, formatUsd, isDemo, platformName, relativeTime, toolName } from './format.js';
import { renderAnswer } from './markdown.js';

// The token lives in this tab's sessionStorage only: never in a URL, never in localStorage.
const TOKEN_KEY = 'console.token';
const DEV_KEY = 'console.dev';
const SIGNED_OUT_KEY = 'console.signedOut';

const SHORT_PLATFORM = { googleAnalytics: 'GA4', googleAds: 'Google Ads', metaAds: 'Meta', linkedinAds: 'LinkedIn' };

const state = {
  me: null,
  dev: false,
  devAvailable: false,
  clients: [],
  clientsCursor: null,
  clientsSeq: 0,
  search: '',
  status: '',
  client: null,
  conversations: [],
  conversationsCursor: null,
  conversation: null,
  messages: [],
  hasMore: false,
  streaming: null,
};

const api = new Api({ onUnauthorized: (problem) => showSignIn(`you are signed out: ${problem.detail}`) });

const narrow = window.matchMedia('(max-width: 759px)');

// ---------------------------------------------------------------------------------------------
// Small helpers

function say(id, text, kind = 'info') {
  const node = byId(id);
  node.textContent = text ?? '';
  node.dataset.kind = kind;
}

function announce(text) {
  say('chat-status', text);
}

function showError(text) {
  say('chat-error', text, 'error');
}

function setView(view) {
  document.body.dataset.view = view;
}

function focusOnNarrow(node) {
  if (narrow.matches) node.focus();
}

function clientPath(id, rest = '') {
  return `/v1/clients/${encodeURIComponent(id)}${rest}`;
}

function conversationPath(id, rest = '') {
  return `/v1/conversations/${encodeURIComponent(id)}${rest}`;
}

function setUrl(push) {
  const params = new URLSearchParams();
  if (state.client) params.set('client', state.client.id);
  if (state.conversation) params.set('conversation', state.conversation.conversationId);
  const url = params.size ? `/?${params}` : '/';
  if (url === `${location.pathname}${location.search}`) return;
  history[push ? 'pushState' : 'replaceState'](null, '', url);
}

// ---------------------------------------------------------------------------------------------
// Dialogs: one <dialog>, filled for each question (keyboard: Tab within it, Esc cancels).

function field({ name, label, value = '', type = 'text', required = false, maxlength, multiline = false, hint, options }) {
  const id = `dialog-field-${name}`;
  const attrs = { id, name, value, required, maxlength, 'aria-describedby': hint ? `${id}-hint` : null };
  const control = options
    ? h('select', { id, name, required, 'aria-describedby': attrs['aria-describedby'] }, options.map((o) => h('option', { value: o.value }, o.label)))
    : multiline
      ? h('textarea', { ...attrs, rows: 6 })
      : h('input', { ...attrs, type, autocomplete: 'off' });
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null);
}

function openDialog({ title, message = '', fields = [], submitLabel = 'Save', danger = false, action }) {
  const dialog = byId('dialog');
  const form = byId('dialog-form');
  const submit = byId('dialog-submit');
  byId('dialog-title').textContent = title;
  byId('dialog-message').textContent = message;
  byId('dialog-message').hidden = !message;
  byId('dialog-fields').replaceChildren(...fields.map(field));
  say('dialog-error', '');
  submit.textContent = submitLabel;
  submit.className = `button ${danger ? 'button--danger' : 'button--primary'}`;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result) => {
      if (settled) return;
      settled = true;
      form.onsubmit = null;
      dialog.oncancel = null;
      byId('dialog-cancel').onclick = null;
      if (dialog.open) dialog.close();
      resolve(result);
    };
    form.onsubmit = async (event) => {
      event.preventDefault();
      const values = {};
      for (const spec of fields) values[spec.name] = form.elements[spec.name].value.trim();
      const missing = fields.find((spec) => spec.required && !values[spec.name]);
      if (missing) {
        say('dialog-error', `${missing.label.toLowerCase()}: is required`, 'error');
        form.elements[missing.name].focus();
        return;
      }
      submit.disabled = true;
      try {
        finish(action ? ((await action(values)) ?? true) : values);
      } catch (problem) {
        say('dialog-error', problem.detail ?? String(problem), 'error');
        const at = problem.field && form.elements[problem.field];
        if (at) at.focus();
      } finally {
        submit.disabled = false;
      }
    };
    dialog.oncancel = () => finish(null);
    byId('dialog-cancel').onclick = () => finish(null);
    dialog.showModal();
    (fields.length ? form.elements[fields[0].name] : submit).focus();
  });
}

function confirmDialog(title, message, submitLabel) {
  return openDialog({ title, message, submitLabel, danger: true });
}

// ---------------------------------------------------------------------------------------------
// Signing in

async function devSession() {
  try {
    const response = await fetch('/console/dev-session', { headers: { accept: 'application/json' }, cache: 'no-store' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function showSignIn(message = '') {
  api.setToken(null);
  sessionStorage.removeItem(TOKEN_KEY);
  state.me = null;
  byId('workspace').hidden = true;
  byId('sign-out').hidden = true;
  byId('session-note').hidden = true;
  byId('signin').hidden = false;
  byId('dev-sign-in').hidden = !state.devAvailable;
  say('signin-error', message, 'error');
  byId('token-input').value = '';
  byId('token-input').focus();
}

/** Signs in with `token`; false (and the sign-in form, with the reason) when it is refused. */
async function enter(token, dev) {
  api.setToken(token);
  try {
    state.me = await api.get('/v1/me');
  } catch (problem) {
    showSignIn(problem.status === 401 ? `the token was refused: ${problem.detail}` : problem.detail);
    return false;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(DEV_KEY, dev ? '1' : '0');
  sessionStorage.removeItem(SIGNED_OUT_KEY);
  state.dev = dev;
  byId('signin').hidden = true;
  byId('workspace').hidden = false;
  byId('sign-out').hidden = false;
  const note = byId('session-note');
  note.hidden = false;
  note.textContent = dev
    ? 'Development user (embedded default: nothing is persisted)'
    : `Signed in as ${state.me.userId}`;
  renderQuickReplies();
  await loadClients();
  await restoreFromUrl();
  return true;
}

async function signInAsDeveloper() {
  const dev = await devSession();
  if (!dev) {
    showSignIn('this server does not sign in a development user; paste a token');
    return;
  }
  await enter(dev.token, true);
}

function signOut() {
  sessionStorage.setItem(SIGNED_OUT_KEY, '1');
  state.client = null;
  state.conversation = null;
  state.clients = [];
  state.messages = [];
  history.replaceState(null, '', '/');
  showSignIn('');
}

// ---------------------------------------------------------------------------------------------
// Clients

async function loadClients({ more = false } = {}) {
  const seq = ++state.clientsSeq;
  try {
    const page = await api.get('/v1/clients', {
      search: state.search,
      status: state.status,
      limit: 50,
      cursor: more ? state.clientsCursor : undefined,
    });
    if (seq !== state.clientsSeq) return;
    state.clients = more ? [...state.clients, ...page.items] : page.items;
    state.clientsCursor = page.nextCursor;
    say('clients-notice', '');
    renderClients();
  } catch (problem) {
    if (seq === state.clientsSeq) say('clients-notice', problem.detail, 'error');
  }
}

function platformChips(client) {
  if (isDemo(client)) return [h('span', { class: 'badge badge--demo' }, 'demo data')];
  return client.platforms
    .map((summary) => ({ summary, c: connectionState(summary) }))
    .filter(({ c }) => c.state !== 'none')
    .map(({ summary, c }) =>
      h(
        'span',
        { class: `chip chip--${c.state}`, title: `${platformName(summary.platform)}: ${c.label}` },
        SHORT_PLATFORM[summary.platform] ?? summary.platform,
        h('span', { class: 'visually-hidden' }, `: ${c.label.toLowerCase()}`),
      ),
    );
}

function renderClients() {
  const list = byId('client-list');
  const items = state.clients.map((client) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'item client-item',
          'data-client-id': client.id,
          'aria-current': state.client?.id === client.id ? 'true' : null,
          onclick: () => selectClient(client.id, { push: true, focus: true }),
        },
        h(
          'span',
          { class: 'item-title' },
          client.name,
          client.status !== 'active' ? h('span', { class: `badge badge--${client.status}` }, client.status) : null,
        ),
        h('span', { class: 'chips' }, platformChips(client)),
      ),
    ),
  );
  if (!items.length) {
    const why = state.search ? `No client's name starts with “${state.search}”.` : 'No clients yet: create one.';
    items.push(h('li', { class: 'empty' }, why));
  }
  list.replaceChildren(...items);
  byId('more-clients').hidden = !state.clientsCursor;
}

function replaceClient(client) {
  state.clients = state.clients.map((c) => (c.id === client.id ? client : c));
  if (state.client?.id === client.id) state.client = client;
  renderClients();
  renderClient();
}

async function selectClient(id, { push = true, focus = false } = {}) {
  let client;
  try {
    client = await api.get(clientPath(id));
  } catch (problem) {
    say('clients-notice', problem.detail, 'error');
    return false;
  }
  const changed = state.client?.id !== client.id;
  state.client = client;
  if (changed) {
    state.conversation = null;
    state.messages = [];
    state.conversations = [];
    closeChat();
  }
  say('client-notice', '');
  if (changed) say('platform-notice', '');
  renderClients();
  renderClient();
  setUrl(push);
  setView('client');
  await loadConversations();
  if (focus) focusOnNarrow(byId('client-name'));
  return true;
}

function renderClient() {
  const client = state.client;
  byId('client-empty').hidden = Boolean(client);
  byId('client-detail').hidden = !client;
  if (!client) return;
  byId('client-name').textContent = client.name;
  byId('client-name').tabIndex = -1;
  const meta = [client.email, `time zone ${client.timeZone}`, client.status !== 'active' ? client.status : null];
  byId('client-meta').textContent = meta.filter(Boolean).join(' · ');
  const archived = client.status === 'archived';
  const archive = byId('archive-client');
  archive.replaceChildren(icon(archived ? 'restore' : 'archive'), archived ? 'Restore' : 'Archive');
  byId('rename-client').replaceChildren(icon('edit'), 'Rename');
  byId('client-demo').hidden = !isDemo(client);
  byId('new-conversation').disabled = archived;
  byId('new-conversation').title = archived ? 'Restore the client to start conversations' : '';
  byId('platform-list').replaceChildren(...PLATFORMS.map((key) => platformRow(client, key)));
  const states = client.platforms.map((p) => connectionState(p).state);
  const count = (name) => states.filter((s) => s === name).length;
  const summary = [
    count('connected') ? `${count('connected')} connected` : null,
    count('expiring') ? `${count('expiring')} expiring` : null,
    count('reconnect') ? `${count('reconnect')} to reconnect` : null,
  ].filter(Boolean);
  byId('platforms-summary').textContent = `· ${summary.length ? summary.join(', ') : 'demo data'}`;
}

function platformRow(client, key) {
  const summary = client.platforms.find((p) => p.platform === key) ?? { platform: key, connected: false };
  const c = connectionState(summary);
  const name = platformName(key);
  const actions = [];
  if (c.state === 'none' || c.state === 'reconnect' || c.state === 'expiring') {
    const label = c.state === 'none' ? 'Connect' : 'Reconnect';
    actions.push(
      h(
        'button',
        { type: 'button', class: 'button button--small connect', 'aria-label': `${label} ${name}`, onclick: () => connect(key) },
        icon('link'),
        label,
      ),
    );
  }
  if (c.state === 'choose') {
    actions.push(
      h('button', { type: 'button', class: 'button button--small choose', 'aria-label': `Choose the ${name} account`, onclick: () => chooseAccount(key) }, 'Choose account'),
    );
  }
  if (summary.connected && summary.accountId && c.state !== 'reconnect') {
    actions.push(
      h('button', { type: 'button', class: 'button button--small sync', 'aria-label': `Sync ${name} now`, onclick: () => syncNow(key) }, 'Sync now'),
    );
  }
  if (summary.connected) {
    actions.push(
      h(
        'button',
        { type: 'button', class: 'button button--small disconnect', 'aria-label': `Disconnect ${name}`, onclick: () => disconnect(key) },
        icon('unlink'),
        'Disconnect',
      ),
    );
  }
  return h(
    'li',
    { class: 'platform', 'data-platform': key, 'data-state': c.state },
    h('span', { class: 'platform-name' }, name),
    h('div', { class: 'row' }, actions),
    h(
      'span',
      { class: 'platform-detail' },
      h('span', { class: `badge badge--${c.state}` }, c.label),
      c.detail === 'never connected' ? null : ` ${c.detail}`,
    ),
  );
}

async function connect(platform) {
  const client = state.client;
  const name = platformName(platform);
  say('platform-notice', `Asking the server how to connect ${name}…`);
  try {
    const answer = await api.post(clientPath(client.id, `/platforms/${platform}/connect`), {});
    const url = answer?.authorizationUrl ? new URL(answer.authorizationUrl, location.href) : null;
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      say('platform-notice', `the server gave no web address to connect ${name} at`, 'error');
      return;
    }
    // The platform's sign-in page; it sends the person back here when they are done.
    location.assign(url.href);
  } catch (problem) {
    if (problem.slug === 'platform-not-configured') {
      say('platform-notice', problem.detail, 'note');
      return;
    }
    const notConfigured =
      [404, 405, 501].includes(problem.status) && problem.slug !== 'client-not-found';
    if (notConfigured) {
      const specific = !['route-not-found', 'method-not-allowed'].includes(problem.slug);
      say('platform-notice', `connecting ${name} is not configured on this server${specific ? ` (${problem.detail})` : ''}`, 'note');
    } else {
      say('platform-notice', problem.detail, 'error');
    }
  }
}

/** The account field each platform's choice is sent in, as the customer's schema names it. */
const ACCOUNT_FIELD = { googleAnalytics: 'propertyId', googleAds: 'customerId', metaAds: 'adAccountId', linkedinAds: 'accountId' };

async function chooseAccount(platform) {
  const client = state.client;
  const name = platformName(platform);
  say('platform-notice', `Asking ${name} which accounts this connection can see…`);
  let accounts;
  try {
    accounts = (await api.get(clientPath(client.id, `/platforms/${platform}/accounts`))).accounts;
  } catch (problem) {
    say('platform-notice', problem.detail, 'error');
    return;
  }
  if (!accounts.length) {
    say('platform-notice', `this ${name} login sees no account; connect with a login that has access to the client's account`, 'error');
    return;
  }
  say('platform-notice', '');
  const options = accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id}${a.currency ? `, ${a.currency}` : ''})` }));
  const answer = await openDialog({
    title: `Choose the ${name} account`,
    message: `The analyst reads ${client.name}'s figures from this account. The first sync brings in 13 months.`,
    fields: [{ name: 'account', label: 'Account', required: true, options }],
    submitLabel: 'Choose',
    action: (values) =>
      api.put(clientPath(client.id, `/platforms/${platform}/account`), { [ACCOUNT_FIELD[platform]]: values.account }),
  });
  if (!answer || answer === true) return;
  replaceClient({ ...state.client, platforms: answer.platforms });
  say('platform-notice', `${name} account chosen; its figures are being synced.`);
}

async function syncNow(platform) {
  const client = state.client;
  const name = platformName(platform);
  say('platform-notice', `Syncing ${name}…`);
  try {
    const report = await api.post(clientPath(client.id, `/platforms/${platform}/sync`), {});
    const fresh = await api.get(clientPath(client.id, '/platforms'));
    replaceClient({ ...state.client, platforms: fresh.platforms });
    if (report.status === 'active') say('platform-notice', `${name} synced: ${formatInteger(report.days)} days of figures.`);
    else say('platform-notice', `${name} did not sync: ${report.reason}`, 'error');
  } catch (problem) {
    say('platform-notice', problem.detail, 'error');
  }
}

async function disconnect(platform) {
  const client = state.client;
  const name = platformName(platform);
  const ok = await confirmDialog(
    `Disconnect ${name}?`,
    `${client.name}'s ${name} tokens are erased and the analyst stops reading its figures. You can connect it again later.`,
    'Disconnect',
  );
  if (!ok) return;
  try {
    const answer = await api.delete(clientPath(client.id, `/platforms/${platform}`));
    replaceClient({ ...state.client, platforms: answer.platforms });
    say('platform-notice', `${name} is disconnected.`);
  } catch (problem) {
    say('platform-notice', problem.detail, 'error');
  }
}

async function newClient() {
  const created = await openDialog({
    title: 'New client',
    submitLabel: 'Create',
    fields: [
      { name: 'name', label: 'Name', required: true, maxlength: 200 },
      { name: 'email', label: 'E-mail (optional)', type: 'email', maxlength: 254 },
      { name: 'timeZone', label: 'Time zone (optional)', hint: 'An IANA zone such as Europe/Paris; UTC when left empty.', maxlength: 64 },
    ],
    action: (values) => {
      const body = { name: values.name };
      if (values.email) body.email = values.email;
      if (values.timeZone) body.timeZone = values.timeZone;
      return api.post('/v1/clients', body);
    },
  });
  if (!created) return;
  await loadClients();
  await selectClient(created.id, { push: true, focus: true });
}

async function renameClient() {
  const client = state.client;
  const renamed = await openDialog({
    title: 'Rename client',
    submitLabel: 'Rename',
    fields: [{ name: 'name', label: 'Name', value: client.name, required: true, maxlength: 200 }],
    action: (values) => api.patch(clientPath(client.id), { name: values.name }),
  });
  if (renamed) replaceClient(renamed);
}

async function archiveOrRestoreClient() {
  const client = state.client;
  if (client.status === 'archived') {
    try {
      replaceClient(await api.patch(clientPath(client.id), { status: 'active' }));
      say('client-notice', `${client.name} is active again.`);
    } catch (problem) {
      say('client-notice', problem.detail, 'error');
    }
    return;
  }
  const ok = await confirmDialog(
    `Archive ${client.name}?`,
    'Its conversations stay readable but take no new questions. You can restore it later.',
    'Archive',
  );
  if (!ok) return;
  try {
    replaceClient(await api.delete(clientPath(client.id)));
    say('client-notice', `${client.name} is archived.`);
    if (state.conversation) renderChat();
  } catch (problem) {
    say('client-notice', problem.detail, 'error');
  }
}

// ---------------------------------------------------------------------------------------------
// Conversations

async function loadConversations({ more = false } = {}) {
  const client = state.client;
  if (!client) return;
  try {
    const page = await api.get(clientPath(client.id, '/conversations'), {
      limit: 20,
      cursor: more ? state.conversationsCursor : undefined,
    });
    if (state.client?.id !== client.id) return;
    state.conversations = more ? [...state.conversations, ...page.items] : page.items;
    state.conversationsCursor = page.nextCursor;
    renderConversations();
  } catch (problem) {
    say('client-notice', problem.detail, 'error');
  }
}

function conversationTitle(conversation) {
  return conversation.title || 'Untitled conversation';
}

function renderConversations() {
  const items = state.conversations.map((c) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'item conversation-item',
          'data-conversation-id': c.conversationId,
          'aria-current': state.conversation?.conversationId === c.conversationId ? 'true' : null,
          onclick: () => openConversation(c.conversationId, { push: true, focus: true }),
        },
        h(
          'span',
          { class: 'item-title' },
          conversationTitle(c),
          c.status === 'archived' ? h('span', { class: 'badge badge--archived' }, 'archived') : null,
        ),
        h(
          'span',
          { class: 'item-meta' },
          `${c.messageCount} message${c.messageCount === 1 ? '' : 's'} · `,
          h('time', { datetime: c.lastMessageAt }, relativeTime(c.lastMessageAt)),
        ),
      ),
    ),
  );
  byId('conversation-list').replaceChildren(...items);
  byId('conversations-empty').hidden = items.length > 0;
  byId('more-conversations').hidden = !state.conversationsCursor;
}

/** Puts the conversation's new header in the list, newest first. */
function upsertConversation(conversation) {
  const rest = state.conversations.filter((c) => c.conversationId !== conversation.conversationId);
  state.conversations = [conversation, ...rest].sort((a, b) => b.lastMessageAt.localeCompare(a.lastMessageAt));
  if (state.conversation?.conversationId === conversation.conversationId) state.conversation = conversation;
  renderConversations();
}

async function newConversation() {
  const client = state.client;
  try {
    const conversation = await api.post(clientPath(client.id, '/conversations'));
    upsertConversation(conversation);
    await openConversation(conversation.conversationId, { push: true, focus: true });
  } catch (problem) {
    say('client-notice', problem.detail, 'error');
  }
}

async function openConversation(id, { push = true, focus = false } = {}) {
  let detail;
  try {
    detail = await api.get(conversationPath(id), { limit: 50 });
  } catch (problem) {
    say('client-notice', problem.detail, 'error');
    return;
  }
  if (state.client?.id !== detail.conversation.clientId) {
    if (!(await selectClient(detail.conversation.clientId, { push: false }))) return;
  }
  state.conversation = detail.conversation;
  state.messages = detail.messages;
  state.hasMore = detail.hasMore;
  say('chat-error', '');
  announce('');
  renderConversations();
  renderChat();
  setUrl(push);
  setView('chat');
  if (focus) byId('composer-input').focus();
}

async function olderMessages() {
  const first = state.messages[0];
  if (!first) return;
  try {
    const page = await api.get(conversationPath(state.conversation.conversationId), { before: first.messageId, limit: 50 });
    state.messages = [...page.messages, ...state.messages];
    state.hasMore = page.hasMore;
    byId('messages').prepend(...page.messages.map(messageView));
    byId('older-messages').hidden = !state.hasMore;
    renderChatHead();
  } catch (problem) {
    showError(problem.detail);
  }
}

async function renameConversation() {
  const conversation = state.conversation;
  const renamed = await openDialog({
    title: 'Rename conversation',
    submitLabel: 'Rename',
    fields: [{ name: 'title', label: 'Title', value: conversation.title ?? '', required: true, maxlength: 200 }],
    action: (values) => api.patch(conversationPath(conversation.conversationId), { title: values.title }),
  });
  if (!renamed) return;
  upsertConversation(renamed);
  renderChatHead();
}

async function archiveConversation() {
  const conversation = state.conversation;
  const status = conversation.status === 'archived' ? 'active' : 'archived';
  try {
    const changed = await api.patch(conversationPath(conversation.conversationId), { status });
    upsertConversation(changed);
    renderChatHead();
    announce(status === 'archived' ? 'The conversation is archived.' : 'The conversation is active again.');
  } catch (problem) {
    showError(problem.detail);
  }
}

async function deleteConversation() {
  const conversation = state.conversation;
  const ok = await confirmDialog(
    'Delete this conversation?',
    `“${conversationTitle(conversation)}” disappears at once and its messages are purged later. This cannot be undone here.`,
    'Delete',
  );
  if (!ok) return;
  try {
    await api.delete(conversationPath(conversation.conversationId));
    state.conversations = state.conversations.filter((c) => c.conversationId !== conversation.conversationId);
    state.conversation = null;
    state.messages = [];
    closeChat();
    renderConversations();
    setUrl(true);
    setView('client');
    say('client-notice', `Deleted “${conversationTitle(conversation)}”.`);
    byId('new-conversation').focus();
  } catch (problem) {
    showError(problem.detail);
  }
}

// ---------------------------------------------------------------------------------------------
// The chat

function closeChat() {
  byId('chat').hidden = true;
  byId('chat-empty').hidden = false;
}

function conversationCost() {
  const meta = state.conversation.metadata ?? {};
  if (typeof meta.totalCostUsd === 'number') return { cost: meta.totalCostUsd, partial: false };
  const cost = state.messages.reduce((sum, m) => sum + (m.metadata?.cost ?? 0), 0);
  return { cost, partial: state.hasMore };
}

function renderChatHead() {
  const conversation = state.conversation;
  byId('chat-title').textContent = conversationTitle(conversation);
  const { cost, partial } = conversationCost();
  const tokens = conversation.metadata?.totalTokensUsed ?? 0;
  const parts = [
    state.client?.name,
    conversation.status === 'archived' ? 'archived' : null,
    `${conversation.messageCount} message${conversation.messageCount === 1 ? '' : 's'}`,
    `${formatInteger(tokens)} tokens`,
    `cost so far ${partial ? 'at least ' : ''}${formatUsd(cost)}`,
  ];
  const meta = byId('chat-meta');
  meta.textContent = parts.filter(Boolean).join(' · ');
  const archived = conversation.status === 'archived';
  byId('archive-conversation').replaceChildren(icon(archived ? 'restore' : 'archive'), archived ? 'Unarchive' : 'Archive');
  byId('rename-conversation').replaceChildren(icon('edit'), 'Rename');
  byId('delete-conversation').replaceChildren(icon('trash'), 'Delete');
}

function renderComposer() {
  const archivedClient = state.client?.status === 'archived';
  const input = byId('composer-input');
  const busy = Boolean(state.streaming);
  input.disabled = archivedClient;
  input.readOnly = busy;
  input.placeholder = archivedClient ? 'The client is archived: restore it to ask more' : 'Ask the analyst';
  byId('composer-label').textContent = `Your question about ${state.client?.name ?? 'this client'}`;
  byId('send').disabled = archivedClient || busy;
  byId('send').replaceChildren(icon('send'), 'Send');
  byId('stop').hidden = !busy;
  byId('stop').replaceChildren(icon('stop'), 'Stop');
  for (const button of byId('quick-replies').querySelectorAll('button[data-quick-reply]')) {
    button.disabled = archivedClient || busy;
  }
}

function renderChat() {
  byId('chat-empty').hidden = true;
  byId('chat').hidden = false;
  renderChatHead();
  byId('messages').replaceChildren(...state.messages.map(messageView));
  byId('older-messages').hidden = !state.hasMore;
  renderComposer();
}

function renderQuickReplies() {
  const replies = state.me?.preferences?.quickReplies ?? [];
  const buttons = replies.map((text) =>
    h('button', { type: 'button', class: 'button button--chip', 'data-quick-reply': text, onclick: () => ask(text) }, text),
  );
  buttons.push(
    h(
      'button',
      { type: 'button', class: 'button button--quiet button--small', id: 'edit-quick-replies', onclick: editQuickReplies },
      replies.length ? 'Edit quick replies' : 'Add quick replies',
    ),
  );
  byId('quick-replies').replaceChildren(...buttons);
}

async function editQuickReplies() {
  const me = await openDialog({
    title: 'Quick replies',
    message: 'Questions you ask often, one per line (at most 20). They appear above the question box.',
    submitLabel: 'Save',
    fields: [
      {
        name: 'quickReplies',
        label: 'Quick replies',
        multiline: true,
        value: (state.me?.preferences?.quickReplies ?? []).join('\n'),
      },
    ],
    action: (values) => {
      const quickReplies = values.quickReplies.split('\n').map((line) => line.trim()).filter(Boolean);
      return api.patch('/v1/me/preferences', { quickReplies });
    },
  });
  if (!me) return;
  state.me = me;
  renderQuickReplies();
  renderComposer();
}

function feedbackView(message) {
  const group = h('div', { class: 'feedback', role: 'group', 'aria-label': 'Rate this answer' });
  const choices = [
    ['positive', 'Helpful answer', 'up'],
    ['negative', 'Unhelpful answer', 'down'],
  ];
  for (const [value, label, iconName] of choices) {
    group.append(
      h(
        'button',
        {
          type: 'button',
          class: 'button button--icon',
          'data-rating': value,
          'aria-pressed': String(message.metadata?.feedbackRating === value),
          title: label,
          onclick: () => rate(message, group, message.metadata?.feedbackRating === value ? null : value),
        },
        icon(iconName),
        h('span', { class: 'visually-hidden' }, label),
      ),
    );
  }
  return group;
}

async function rate(message, group, rating) {
  try {
    const rated = await api.put(
      conversationPath(state.conversation.conversationId, `/messages/${encodeURIComponent(message.messageId)}/feedback`),
      { rating },
    );
    message.metadata = rated.metadata;
    for (const button of group.querySelectorAll('button[data-rating]')) {
      button.setAttribute('aria-pressed', String(button.dataset.rating === rated.metadata.feedbackRating));
    }
    group.dataset.saved = rated.metadata.feedbackRating ?? 'none';
    announce(rating ? 'Thank you: your rating is saved.' : 'Your rating is cleared.');
  } catch (problem) {
    showError(problem.detail);
  }
}

function workingView(message) {
  const working = message.metadata?.working;
  if (!working) return null;
  const unsupported = working.unsupportedFigures ?? [];
  const usage = working.usage ?? {};
  const check = working.grounded
    ? h('p', { class: 'grounded' }, icon('check'), 'Every figure in the answer is supported by what the tools returned.')
    : h(
        'div',
        { class: 'ungrounded' },
        h('p', {}, icon('warning'), 'These figures are not supported by what the tools returned:'),
        h('ul', { class: 'figures' }, unsupported.map((f) => h('li', {}, h('mark', {}, f)))),
      );
  const tools = (working.tools ?? []).map((tool) =>
    h(
      'li',
      { class: 'tool', 'data-tool': tool.name },
      h('p', {}, h('code', {}, tool.name), ` — ${toolName(tool.name)}`),
      h(
        'p',
        { class: 'tool-scope' },
        (tool.platforms ?? []).length ? tool.platforms.map(platformName).join(', ') : 'every platform',
        (tool.ranges ?? []).length ? ` · ${tool.ranges.map(formatRange).join(' vs ')}` : '',
      ),
      tool.error ? h('p', { class: 'error' }, `Could not be answered: ${tool.error}`) : null,
      h('details', { class: 'arguments' }, h('summary', {}, 'Arguments'), h('pre', {}, JSON.stringify(tool.arguments ?? {}, null, 2))),
    ),
  );
  const sources = (working.sources ?? []).map((source) =>
    h(
      'li',
      {},
      platformName(source.platform),
      ': ',
      source.lastSync
        ? h('span', {}, 'synced ', h('time', { datetime: source.lastSync }, formatDateTime(source.lastSync)), ` (${relativeTime(source.lastSync)})`)
        : 'demo data',
    ),
  );
  const summaryBadge = working.grounded
    ? h('span', { class: 'badge badge--connected' }, 'grounded')
    : h('span', { class: 'badge badge--reconnect' }, `${unsupported.length} unsupported figure${unsupported.length === 1 ? '' : 's'}`);
  return h(
    'details',
    { class: 'working' },
    h('summary', {}, 'How this answer was worked out ', summaryBadge),
    h('h3', {}, 'Tools'),
    tools.length ? h('ol', { class: 'tools' }, tools) : h('p', {}, 'No tools were called.'),
    h('h3', {}, 'Sources and freshness'),
    working.demo ? h('p', { class: 'note' }, 'The figures are demo data: nothing is connected for this client.') : null,
    sources.length ? h('ul', { class: 'sources' }, sources) : h('p', {}, 'No platform figures were used.'),
    h('h3', {}, 'Figures check'),
    check,
    h('h3', {}, 'Tokens and cost'),
    h(
      'p',
      { class: 'usage' },
      `${formatInteger(usage.inputTokens)} input + ${formatInteger(usage.outputTokens)} output tokens`,
      usage.estimated ? ' (estimated)' : '',
      ` · ${message.metadata.model ?? 'model unknown'} · ${formatUsd(message.metadata.cost)}`,
    ),
  );
}

function messageView(message) {
  const user = message.role === 'user';
  const body = user
    ? h('p', { class: 'message-text' }, message.content)
    : h('div', { class: 'message-text answer' }, renderAnswer(message.content));
  const charts = user ? [] : chartsFor(message.metadata?.working);
  return h(
    'li',
    { class: `message message--${message.role}`, 'data-role': message.role, 'data-message-id': message.messageId, 'data-state': 'stored' },
    h('p', { class: 'visually-hidden' }, user ? 'You asked:' : 'The analyst answered:'),
    body,
    charts.length ? h('div', { class: 'charts' }, charts) : null,
    h(
      'div',
      { class: 'message-foot' },
      h('time', { class: 'message-time', datetime: message.timestamp }, formatDateTime(message.timestamp)),
      user ? null : feedbackView(message),
    ),
    user ? null : workingView(message),
  );
}

function pendingQuestionView(content) {
  return h(
    'li',
    { class: 'message message--user', 'data-role': 'user', 'data-state': 'sending' },
    h('p', { class: 'visually-hidden' }, 'You asked:'),
    h('p', { class: 'message-text' }, content),
  );
}

function streamingView() {
  const phase = h('p', { class: 'phase' }, 'Reading the question…');
  const lookups = h('ul', { class: 'lookups', 'aria-label': 'Being looked up' });
  const text = h('div', { class: 'message-text streaming-text' });
  const node = h(
    'li',
    { class: 'message message--assistant', 'data-role': 'assistant', 'data-state': 'thinking', 'aria-busy': 'true' },
    h('p', { class: 'visually-hidden' }, 'The analyst is answering:'),
    phase,
    lookups,
    text,
  );
  return { node, phase, lookups, text };
}

/** Asks the analyst and streams the answer in; on any failure the question goes back in the box. */
async function ask(raw) {
  const content = String(raw ?? '').trim();
  if (!content || state.streaming || !state.conversation) return;
  const conversationId = state.conversation.conversationId;
  const input = byId('composer-input');
  say('chat-error', '');
  input.value = '';
  const list = byId('messages');
  const question = pendingQuestionView(content);
  const answer = streamingView();
  list.append(question, answer.node);
  answer.node.scrollIntoView({ block: 'end' });
  const controller = new AbortController();
  state.streaming = controller;
  renderComposer();
  announce('Sent. The analyst is looking at the figures…');
  let written = '';
  try {
    const exchange = await api.ask(conversationId, content, {
      signal: controller.signal,
      onTool(tool) {
        answer.node.dataset.state = 'looking-up';
        answer.phase.textContent = 'Looking up…';
        const line = describeLookup(tool);
        answer.lookups.append(
          h('li', { 'data-tool': tool.name }, line, tool.error ? h('span', { class: 'error' }, ` — ${tool.error}`) : null),
        );
        announce(`Looking up ${line}`);
      },
      onDelta(text) {
        if (answer.node.dataset.state !== 'writing') {
          answer.node.dataset.state = 'writing';
          answer.phase.textContent = 'Writing the answer…';
          announce('The analyst is writing the answer…');
        }
        written += text;
        answer.text.textContent = written;
      },
    });
    if (state.conversation?.conversationId !== conversationId) return;
    state.messages.push(exchange.question, exchange.answer);
    question.replaceWith(messageView(exchange.question));
    answer.node.replaceWith(messageView(exchange.answer));
    upsertConversation(exchange.conversation);
    renderChatHead();
    announce('The answer is ready.');
  } catch (error) {
    const problem = error instanceof ApiProblem ? error : new ApiProblem({ detail: String(error) }, 0);
    answer.node.remove();
    // A refusal stores nothing; after a failure the question may be stored without an answer:
    // the conversation as stored says which.
    question.remove();
    if (state.conversation?.conversationId === conversationId) {
      if (input.value === '') input.value = content;
      showError(problem.detail);
      announce('');
      if (problem.status >= 500 || problem.type === CONSOLE_PROBLEM.cut || problem.type === CONSOLE_PROBLEM.stopped) {
        refreshMessages(conversationId);
      }
    }
  } finally {
    state.streaming = null;
    if (state.conversation?.conversationId === conversationId) {
      renderComposer();
      input.focus();
    }
  }
}

async function refreshMessages(conversationId) {
  try {
    const detail = await api.get(conversationPath(conversationId), { limit: 50 });
    if (state.conversation?.conversationId !== conversationId) return;
    state.conversation = detail.conversation;
    state.messages = detail.messages;
    state.hasMore = detail.hasMore;
    byId('messages').replaceChildren(...state.messages.map(messageView));
    renderChatHead();
    upsertConversation(detail.conversation);
  } catch {
    // The error already shown says what to do.
  }
}

// ---------------------------------------------------------------------------------------------
// Start-up

/** What a platform's consent page sent back (when `FRONTEND_URL` points at this console). */
function connectionOutcome(params) {
  const outcome = params.get('connection');
  if (!outcome) return null;
  const name = platformName(params.get('platform') ?? '');
  if (outcome === 'connected') return { text: `${name} is connected; choose its account to start syncing.`, kind: 'note' };
  return { text: params.get('reason') || `${name} was not connected`, kind: 'error' };
}

async function restoreFromUrl() {
  const params = new URLSearchParams(location.search);
  const outcome = connectionOutcome(params);
  const clientId = params.get('client') ?? params.get('clientId');
  const conversationId = params.get('conversation');
  if (outcome) {
    if (clientId && (await selectClient(clientId, { push: false }))) {
      setUrl(false);
    } else {
      say('clients-notice', outcome.text, outcome.kind);
      return;
    }
    say('platform-notice', outcome.text, outcome.kind);
    return;
  }
  if (!clientId) {
    state.client = null;
    state.conversation = null;
    renderClients();
    renderClient();
    closeChat();
    setView('clients');
    return;
  }
  if (!(await selectClient(clientId, { push: false }))) return;
  if (conversationId) await openConversation(conversationId, { push: false });
}

function bindStatic() {
  byId('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = byId('token-input').value.trim().replace(/^Bearer\s+/i, '');
    if (!token) {
      say('signin-error', 'paste your token first', 'error');
      return;
    }
    await enter(token, false);
  });
  byId('dev-sign-in').addEventListener('click', signInAsDeveloper);
  byId('sign-out').replaceChildren(icon('signOut'), 'Sign out');
  byId('sign-out').addEventListener('click', signOut);

  let searchTimer = 0;
  const search = (event) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      const value = event.target.value.trim();
      if (value === state.search) return;
      state.search = value;
      loadClients();
    }, 200);
  };
  byId('client-search').addEventListener('input', search);
  byId('client-search').addEventListener('change', search);
  byId('client-status').addEventListener('change', (event) => {
    state.status = event.target.value;
    loadClients();
  });
  byId('more-clients').addEventListener('click', () => loadClients({ more: true }));
  byId('new-client').replaceChildren(icon('plus'), 'New client');
  byId('new-client').addEventListener('click', newClient);
  byId('rename-client').addEventListener('click', renameClient);
  byId('archive-client').addEventListener('click', archiveOrRestoreClient);

  byId('new-conversation').replaceChildren(icon('plus'), 'New conversation');
  byId('new-conversation').addEventListener('click', newConversation);
  byId('more-conversations').addEventListener('click', () => loadConversations({ more: true }));
  byId('rename-conversation').addEventListener('click', renameConversation);
  byId('archive-conversation').addEventListener('click', archiveConversation);
  byId('delete-conversation').addEventListener('click', deleteConversation);
  byId('older-messages').addEventListener('click', olderMessages);

  byId('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    ask(byId('composer-input').value);
  });
  byId('composer-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      byId('composer').requestSubmit();
    }
  });
  byId('stop').addEventListener('click', () => state.streaming?.abort());

  for (const button of document.querySelectorAll('[data-back]')) {
    button.prepend(icon('back'));
    button.addEventListener('click', () => {
      setView(button.dataset.back);
      const target = button.dataset.back === 'clients' ? document.querySelector('.client-item[aria-current]') : document.querySelector('.conversation-item[aria-current]');
      (target ?? byId(button.dataset.back === 'clients' ? 'client-search' : 'new-conversation')).focus();
    });
  }
  window.addEventListener('popstate', () => {
    if (state.me) restoreFromUrl();
  });
}

async function boot() {
  bindStatic();
  const dev = await devSession();
  state.devAvailable = Boolean(dev);
  const stored = sessionStorage.getItem(TOKEN_KEY);
  if (stored && (await enter(stored, sessionStorage.getItem(DEV_KEY) === '1'))) return;
  if (dev && sessionStorage.getItem(SIGNED_OUT_KEY) !== '1') {
    await enter(dev.token, true);
    return;
  }
  showSignIn(byId('signin-error').textContent);
}

boot();
