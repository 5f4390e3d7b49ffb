// Herald's HTTP API as the page uses it: one fetch wrapper, the session, and the
// read-your-writes position.

const sessionKey = 'herald.session';
const positionHeader = 'X-Herald-Position';

/** A refused or failed request: the status, the API's error name and message, its per-field problems, Retry-After. */
export class ApiError extends Error {
  constructor(status, message, { retryAfterSeconds = null, error = null, problems = [] } = {}) {
    super(message);
    this.status = status;
    this.error = error;
    this.problems = problems;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The signed-in user of this tab: {userId, token} or null. Per tab, so two tabs can be two users. */
export const session = {
  get() {
    try {
      const value = JSON.parse(sessionStorage.getItem(sessionKey) ?? 'null');
      return value && typeof value.token === 'string' && typeof value.userId === 'string' ? value : null;
    } catch {
      return null;
    }
  },
  set(value) {
    if (value === null) sessionStorage.removeItem(sessionKey);
    else sessionStorage.setItem(sessionKey, JSON.stringify(value));
  },
};

// The log position of this tab's last command. Queries send it back, so the command
// API answers only once its read models include that command: a post, a new friend or
// an unfriend shows in the very next read, never a stale one. Kept in session storage,
// so that holds across a reload too.
const positionKey = 'herald.position';
const position = {
  get: () => sessionStorage.getItem(positionKey),
  set: (value) => sessionStorage.setItem(positionKey, value),
  forget: () => sessionStorage.removeItem(positionKey),
};

/** Called when a request answers 401 though a token was sent (the session ended). */
let onSessionEnded = () => {};
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const readPatienceMs = 15_000;

async function request(method, path, body) {
  // A read the read models cannot answer yet (503 with Retry-After: they have not caught
  // up with this tab's last write) is asked again after the pause the server names.
  const deadline = Date.now() + readPatienceMs;
  for (;;) {
    try {
      return await requestOnce(method, path, body);
    } catch (error) {
      if (method !== 'GET' || error.status !== 503 || error.retryAfterSeconds === null || Date.now() > deadline) throw error;
      await sleep(error.retryAfterSeconds * 1000);
    }
  }
}

async function requestOnce(method, path, body) {
  const headers = { Accept: 'application/json' };
  const current = session.get();
  if (current) headers.Authorization = `Bearer ${current.token}`;
  const lastPosition = position.get();
  if (lastPosition) headers[positionHeader] = lastPosition;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.', { error: 'unreachable' });
  }
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    if (response.status === 401 && current) onSessionEnded();
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(response.status, data?.message ?? `The server answered ${response.status}.`, {
      retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      error: typeof data?.error === 'string' ? data.error : null,
      problems: Array.isArray(data?.problems) ? data.problems : [],
    });
  }
  const answered = response.headers.get(positionHeader);
  if (answered) position.set(answered);
  return data;
}

export const api = {
  register: (profile) => request('POST', '/user/register', profile),
  login: (id, password) => request('POST', '/login', { id, password }),
  logout: () => request('POST', '/logout'),
  user: (id) => request('GET', `/user/get/${encodeURIComponent(id)}`),
  /** Name prefixes; either may be empty (Herald's extension of /user/search). */
  search: (firstName, lastName) => request('GET', `/user/search?${new URLSearchParams({ first_name: firstName, last_name: lastName })}`),
  friends: () => request('GET', '/friend/list'),
  feed: (limit = 50) => request('GET', `/post/feed?offset=0&limit=${limit}`),
  postsBy: (authorId, limit = 50) => request('GET', `/post/list?${new URLSearchParams({ author_id: authorId, offset: '0', limit: String(limit) })}`),
  post: (id) => request('GET', `/post/get/${encodeURIComponent(id)}`),
  createPost: (text) => request('POST', '/post/create', { text }),
  updatePost: (id, text) => request('PUT', '/post/update', { id, text }),
  deletePost: (id) => request('PUT', `/post/delete/${encodeURIComponent(id)}`),
  addFriend: (id) => request('PUT', `/friend/set/${encodeURIComponent(id)}`),
  removeFriend: (id) => request('PUT', `/friend/delete/${encodeURIComponent(id)}`),
  config: () => request('GET', '/web/config.json'),
  forgetPosition() {
    position.forget();
  },
};
