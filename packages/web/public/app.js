// Herald's page: sign in or register, read the feed (live), write posts, add or
// remove friends by id. Plain DOM, no framework, no build step.
import { api, session, whenSessionEnds } from './api.js';
import { notifierUrl, openLiveFeed } from './live.js';
import { myPosts } from './my-posts.js';
import { nameOf, paintAvatar, postElement, say, shortId } from './render.js';

const $ = (selector) => document.querySelector(selector);
const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let config = null;
let live = null;

function flash(text) {
  const line = $('#flash');
  line.textContent = text;
  line.hidden = text === '';
}

function setLiveState(state) {
  $('#live').dataset.state = state;
  $('#live').textContent = { live: 'live', connecting: 'connecting…', offline: 'offline' }[state];
}

// ---- the feed -------------------------------------------------------------------

// Live posts by arrival, so a feed read that was already on its way when one arrived
// does not drop it from view.
const arrivals = [];

async function refreshFeed() {
  const asked = performance.now();
  try {
    const posts = await api.feed();
    const listed = new Set(posts.map((post) => post.id));
    const newer = arrivals.filter((a) => a.at > asked && !listed.has(a.post.id)).map((a) => a.post);
    $('#feed').replaceChildren(
      ...newer.map((post) => postElement(post, { live: true })),
      ...posts.map((post) => postElement(post)),
    );
    $('#feed-empty').hidden = posts.length + newer.length > 0;
    $('#feed-error').textContent = '';
  } catch (error) {
    $('#feed-error').textContent = `The feed could not be loaded: ${error.message}`;
  }
}

/** A post pushed by the notifier: on top of the feed, once. */
function showLivePost({ postId, postText, author_user_id }) {
  const post = { id: postId, text: postText, author_user_id };
  arrivals.push({ at: performance.now(), post });
  if (arrivals.length > 100) arrivals.shift();
  if ($('#feed').querySelector(`[data-post-id="${CSS.escape(postId)}"]`)) return;
  $('#feed').prepend(postElement(post, { live: true }));
  $('#feed-empty').hidden = true;
}

// ---- signing in and out -----------------------------------------------------------

function showSignedOut() {
  $('#signed-in').hidden = true;
  $('#account').hidden = true;
  $('#signed-out').hidden = false;
}

async function showSignedIn({ userId, token }) {
  $('#signed-out').hidden = true;
  $('#signed-in').hidden = false;
  $('#account').hidden = false;
  $('#my-id').textContent = userId;
  $('#me-name').textContent = shortId(userId);
  nameOf(userId).then((name) => {
    $('#me-name').textContent = name;
    paintAvatar($('#me-avatar'), userId, name);
  });
  live = openLiveFeed(notifierUrl(config), token, {
    onPost: showLivePost,
    // Posts made while the socket was down arrive with the next feed read.
    onState: (state, reconnected) => {
      setLiveState(state);
      if (reconnected) refreshFeed();
    },
    onSessionEnded: () => signOut('Your session has ended; log in again.'),
  });
  myPosts.show(userId);
  await refreshFeed();
}

async function signIn(userId, password) {
  const { token } = await api.login(userId, password);
  session.set({ userId, token });
  await showSignedIn({ userId, token });
}

function signOut(message = '') {
  live?.close();
  live = null;
  session.set(null);
  api.forgetPosition();
  arrivals.length = 0;
  $('#feed').replaceChildren();
  flash(message);
  showSignedOut();
}

// ---- forms ------------------------------------------------------------------------

function onSubmit(selector, handler) {
  const form = $(selector);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = event.submitter;
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    say(form, '');
    try {
      await handler(form, Object.fromEntries(new FormData(form)), button?.value);
    } catch (error) {
      say(form, error.message);
    } finally {
      form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  });
}

onSubmit('#login-form', async (form, { id, password }) => {
  if (!uuidShape.test(id.trim())) throw new Error('The user id is the UUID you got when you registered.');
  await signIn(id.trim(), password);
  form.reset();
  flash('');
});

onSubmit('#register-form', async (form, profile) => {
  const { user_id: userId } = await api.register(profile);
  await signIn(userId, profile.password);
  form.reset();
  flash(`Welcome! Your user id is ${userId}. Log in with it, and give it to friends so they can add you.`);
});

onSubmit('#post-form', async (form, { text }) => {
  if (text.trim() === '') throw new Error('Write something first.');
  const postId = await api.createPost(text);
  form.reset();
  await myPosts.add(postId);
});

onSubmit('#friend-form', async (form, { friend }, action) => {
  const friendId = friend.trim();
  if (!uuidShape.test(friendId)) throw new Error('A user id looks like 0192f5e4-7c1a-7d3e-9b2f-1c2d3e4f5a6b.');
  if (action === 'remove') await api.removeFriend(friendId);
  else await api.addFriend(friendId);
  // The command's position rides along, so this read already includes the change.
  await refreshFeed();
  const name = await nameOf(friendId);
  form.reset();
  say(form, action === 'remove' ? `${name} is no longer your friend.` : `${name} is now your friend.`, 'ok');
});

$('#refresh').addEventListener('click', () => refreshFeed());

$('#logout').addEventListener('click', async () => {
  await api.logout().catch(() => undefined);
  signOut('You are logged out.');
});

$('#copy-id').addEventListener('click', async () => {
  const id = $('#my-id').textContent;
  try {
    await navigator.clipboard.writeText(id);
    $('#copy-id').textContent = 'Copied';
  } catch {
    getSelection()?.selectAllChildren($('#my-id'));
    $('#copy-id').textContent = 'Selected';
  }
  setTimeout(() => { $('#copy-id').textContent = 'Copy'; }, 1500);
});

whenSessionEnds(() => signOut('Your session has ended; log in again.'));

async function boot() {
  config = await api.config().catch(() => null);
  const current = session.get();
  if (current) await showSignedIn(current);
  else showSignedOut();
  document.body.dataset.ready = 'true';
}

boot();
