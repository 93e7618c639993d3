// Calls to the API: JSON requests, problem+json errors, and an answer streamed as server-sent
// events, read with fetch and a stream reader (EventSource cannot POST or send a bearer token).

/** A failed call, carrying the problem the server answered (RFC 9457) or one made up here. */
export class ApiProblem extends Error {
  constructor(problem, status, retryAfter = null) {
    const detail = problem?.detail || problem?.title || `the server answered ${status}`;
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.type = problem?.type ?? '';
    this.title = problem?.title ?? '';
    this.detail = detail;
    this.requestId = problem?.requestId ?? null;
    this.field = problem?.field ?? null;
    this.retryAfter = retryAfter;
  }

  /** The part of `type` after `urn:chatbot:problem:` (`rate-limited`). */
  get slug() {
    return this.type.replace(/^urn:chatbot:problem:/, '');
  }
}

/** Problems of this console's own, for what the server could not say. */
export const CONSOLE_PROBLEM = {
  unreachable: 'urn:chatbot:console:unreachable',
  stopped: 'urn:chatbot:console:stopped',
  cut: 'urn:chatbot:console:cut',
};

function unreachable() {
  return new ApiProblem(
    { type: CONSOLE_PROBLEM.unreachable, detail: 'cannot reach the server; check that it is running, then try again' },
    0,
  );
}

async function problemOf(response) {
  const type = response.headers.get('content-type') ?? '';
  let body = null;
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  const retry = Number(response.headers.get('retry-after'));
  return new ApiProblem(
    body ?? { detail: `the server answered ${response.status} ${response.statusText}`.trim() },
    response.status,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/**
 * The events of a `text/event-stream` body as `{event, data}` objects, as the format's rules read
 * them: `event:` and `data:` fields, events ended by a blank line, comments (keep-alives) skipped.
 */
export async function* readEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let event = 'message';
  let data = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      // Lines end at \n, \r\n or \r; a \r at the very end may be half of a \r\n still to come.
      const lines = buffer.split(/\r\n|\n|\r(?!$)/);
      buffer = lines.pop();
      for (const line of lines) {
        if (line === '') {
          if (data.length) yield { event, data: data.join('\n') };
          event = 'message';
          data = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        let content = colon === -1 ? '' : line.slice(colon + 1);
        if (content.startsWith(' ')) content = content.slice(1);
        if (field === 'event') event = content;
        else if (field === 'data') data.push(content);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** The API as one signed-in person calls it. */
export class Api {
  /** `onUnauthorized(problem)` is told when the server refuses the token (401). */
  constructor({ onUnauthorized } = {}) {
    this.token = null;
    this.onUnauthorized = onUnauthorized ?? (() => {});
  }

  setToken(token) {
    this.token = token;
  }

  headers(extra = {}) {
    const headers = { accept: 'application/json', ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  async send(method, path, { body, query, signal, accept } = {}) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') search.set(key, value);
    }
    const url = search.size ? `${path}?${search}` : path;
    const init = { method, headers: this.headers(accept ? { accept } : {}), signal, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
      throw unreachable();
    }
    if (!response.ok) {
      const problem = await problemOf(response);
      if (problem.status === 401) this.onUnauthorized(problem);
      throw problem;
    }
    return response;
  }

  async json(method, path, options) {
    const response = await this.send(method, path, options);
    return response.status === 204 ? null : response.json();
  }

  get(path, query, options = {}) {
    return this.json('GET', path, { ...options, query });
  }

  post(path, body) {
    return this.json('POST', path, { body });
  }

  patch(path, body) {
    return this.json('PATCH', path, { body });
  }

  put(path, body) {
    return this.json('PUT', path, { body });
  }

  delete(path) {
    return this.json('DELETE', path);
  }

  /**
   * Asks the analyst and streams the answer: `onTool(event)` as each tool call starts,
   * `onDelta(text)` as the answer is written. Resolves with the stored exchange (the `done`
   * event); rejects with an ApiProblem for a refusal, an `error` event, a stream that ended
   * without `done`, or `signal` aborting it.
   */
  async ask(conversationId, content, { onTool, onDelta, signal } = {}) {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/messages`;
    let response;
    try {
      response = await this.send('POST', path, { body: { content }, signal, accept: 'text/event-stream' });
    } catch (error) {
      throw error?.name === 'AbortError' ? stopped() : error;
    }
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      return response.json();
    }
    try {
      for await (const { event, data } of readEvents(response.body)) {
        let payload;
        try {
          payload = JSON.parse(data);
        } catch {
          continue;
        }
        if (event === 'tool') onTool?.(payload);
        else if (event === 'delta') onDelta?.(payload.text ?? '');
        else if (event === 'done') return payload;
        else if (event === 'error') throw new ApiProblem(payload, payload.status ?? 500);
      }
    } catch (error) {
      if (error instanceof ApiProblem) throw error;
      if (error?.name === 'AbortError' || signal?.aborted) throw stopped();
      throw cut();
    }
    if (signal?.aborted) throw stopped();
    throw cut();
  }
}

function stopped() {
  return new ApiProblem(
    {
      type: CONSOLE_PROBLEM.stopped,
      detail:
        'you stopped the answer; the server still finishes and stores it, so reload the conversation in a moment to read it',
    },
    0,
  );
}

function cut() {
  return new ApiProblem(
    {
      type: CONSOLE_PROBLEM.cut,
      detail:
        'the answer stopped before it was finished (the connection was cut); it may still be stored, so reload the conversation to see it',
    },
    0,
  );
}
