// The live feed: a websocket to the notifier's /post/feed/posted, authenticated with
// the `token` query parameter (browsers cannot set headers on a websocket), opted in to
// friends' edits and deletes (`changes=1`), which reconnects with backoff for as long as
// the user stays signed in, and resumes from the cursor of the last frame it got
// (`since`), across dropped connections and reloads.

const feedPath = '/post/feed/posted';
const maxBackoffMs = 30_000;
/** The notifier's close codes for a session that ended (4001 logged out, 4002 expired): reconnecting cannot help. */
const sessionEndedCodes = new Set([4001, 4002]);

/** The notifier's URL: the configured one, else the page's host on the notifier's default port. */
export function notifierUrl(config) {
  if (config?.notifierUrl) return config.notifierUrl;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.hostname}:${config?.defaultNotifierPort ?? 8090}${feedPath}`;
}

function isPostedMessage(value) {
  return value !== null && typeof value === 'object'
    && typeof value.postId === 'string' && typeof value.postText === 'string' && typeof value.author_user_id === 'string';
}

/** A friend's edit (`post.updated`, with the new text) or delete (`post.deleted`) of a post. */
function isPostChange(value) {
  return value !== null && typeof value === 'object' && typeof value.postId === 'string'
    && (value.type === 'post.deleted' || (value.type === 'post.updated' && typeof value.postText === 'string'));
}

function isResumeFailed(value) {
  return value !== null && typeof value === 'object' && value.type === 'resume' && value.recovered === false;
}

/** The cursor of the last post this browser got for a user, kept across reloads. */
export function cursorStore(userId) {
  const key = `herald.cursor.${userId}`;
  return {
    get: () => { try { return localStorage.getItem(key); } catch { return null; } },
    set: (cursor) => { try { localStorage.setItem(key, cursor); } catch { /* private mode: resume within the tab only */ } },
  };
}

/**
 * Opens the live feed. `onPost({postId, postText, author_user_id, cursor})` gets each
 * post, and `onChange({type: 'post.updated' | 'post.deleted', postId, postText?, ...})`
 * each edit and delete of one, missed ones first (in order) after a reconnect or a
 * reload; `onState('connecting' | 'live' |
 * 'offline', reconnected)` follows the connection; `onResumeFailed()` is told when the
 * notifier could not recover the whole gap (reload the feed over HTTP then);
 * `onSessionEnded()` is told, instead of a reconnect, when the notifier closed the socket
 * because the session ended. Returns `close()`.
 */
export function openLiveFeed(url, token, { cursor, onPost, onChange, onState, onResumeFailed, onSessionEnded }) {
  let socket;
  let timer;
  let failures = 0;
  let closed = false;
  let everOpened = false;

  function connect() {
    const target = new URL(url);
    target.searchParams.set('token', token);
    target.searchParams.set('changes', '1');
    const since = cursor?.get();
    if (since) target.searchParams.set('since', since);
    onState('connecting', false);
    socket = new WebSocket(target);
    socket.addEventListener('open', () => {
      failures = 0;
      onState('live', everOpened);
      everOpened = true;
    });
    socket.addEventListener('message', (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // A change carries every field of a post too: its `type` is what tells them apart.
      if (isPostChange(message)) {
        if (typeof message.cursor === 'string') cursor?.set(message.cursor);
        onChange?.(message);
      } else if (isPostedMessage(message) && message.type === undefined) {
        if (typeof message.cursor === 'string') cursor?.set(message.cursor);
        onPost(message);
      } else if (isResumeFailed(message)) {
        onResumeFailed?.();
      }
    });
    socket.addEventListener('close', (event) => {
      if (closed) return;
      onState('offline', false);
      if (sessionEndedCodes.has(event.code)) {
        closed = true;
        onSessionEnded();
        return;
      }
      // 1 s, 2 s, 4 s ... up to 30 s, with jitter so a restarted notifier is not stampeded.
      const delay = Math.min(maxBackoffMs, 1000 * 2 ** failures) * (0.5 + Math.random() / 2);
      failures += 1;
      timer = setTimeout(connect, delay);
    });
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000, 'signed out');
    },
  };
}
