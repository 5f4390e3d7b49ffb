// Herald's page: log in by name or register, read the feed (live), write posts, find
// people and add them as friends, edit or delete one's own posts. Plain DOM, no
// framework, no build step.
import { api, session, whenSessionEnds } from './api.js';
import { cursorStore, notifierUrl, openLiveFeed } from './live.js';
import { lastAccount, offerLastAccount, setUpLogin } from './login.js';
import { clearProblems, humanError, showProblems } from './messages.js';
import { myPosts } from './my-posts.js';
import { friends, searchAsYouType, setUpPeopleSearch, showPeople } from './people.js';
import { paintAvatar, postElement, refreshTimes, say, shortId } from './render.js';

const $ = (selector) => document.querySelector(selector);

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

// Live posts, edits and deletes by arrival, so a feed read that was already on its way
// when one arrived neither drops it from view nor undoes it.
const arrivals = [];
const changes = [];

/** Keeps the newest 100 of a list of arrivals. */
function remember(list, item) {
  list.push({ at: performance.now(), ...item });
  if (list.length > 100) list.shift();
}

/** The feed's element of a post, if the page shows it. */
function shownPost(postId) {
  return $('#feed').querySelector(`[data-post-id="${CSS.escape(postId)}"]`);
}

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
    for (const change of changes.filter((c) => c.at > asked)) showChange(change);
    $('#feed-empty').hidden = $('#feed').childElementCount > 0;
    $('#feed-error').textContent = '';
  } catch (error) {
    $('#feed-error').textContent = `The feed could not be loaded. ${humanError(error, 'load the feed')}`;
  }
}

/** A post pushed by the notifier: on top of the feed, once. It was written as it arrived. */
function showLivePost({ postId, postText, author_user_id }) {
  const post = { id: postId, text: postText, author_user_id, created_at: new Date().toISOString() };
  remember(arrivals, { post });
  if (shownPost(postId)) return;
  $('#feed').prepend(postElement(post, { live: true }));
  $('#feed-empty').hidden = true;
}

/** A friend's edit or delete pushed by the notifier: the post changes or leaves in place, if shown. */
function showLiveChange(change) {
  remember(changes, change);
  showChange(change);
}

function showChange({ type, postId, postText }) {
  const item = shownPost(postId);
  if (!item) return;
  if (type === 'post.deleted') {
    item.remove();
    $('#feed-empty').hidden = $('#feed').childElementCount > 0;
    return;
  }
  item.querySelector('.text').textContent = postText;
  item.querySelector('.edited').hidden = false;
  item.classList.remove('changed');
  void item.offsetWidth; // restarts the highlight for a second edit
  item.classList.add('changed');
}

// ---- sections (tabs on a phone; side by side on a wide screen) -----------------------

function showTab(name) {
  $('#signed-in').dataset.tab = name;
  document.querySelectorAll('.tabs [data-show]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.show === name)));
}

document.querySelectorAll('.tabs [data-show]').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.show)));

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
  showTab('feed');
  $('#my-id').textContent = userId;
  $('#me-name').textContent = shortId(userId);
  paintAvatar($('#me-avatar'), userId, '');
  api.user(userId).then((user) => {
    lastAccount.set(user);
    const name = `${user.first_name} ${user.second_name}`;
    $('#me-name').textContent = name;
    paintAvatar($('#me-avatar'), userId, name);
  }, () => undefined);
  live = openLiveFeed(notifierUrl(config), token, {
    // Posts made while the socket was down (or the page was closed) arrive first, in order.
    cursor: cursorStore(userId),
    onPost: showLivePost,
    // Friends' edits and deletes: the page opted in, so they come on the same socket.
    onChange: showLiveChange,
    onState: setLiveState,
    // The notifier could not recover the whole gap: the feed read has it.
    onResumeFailed: () => refreshFeed(),
    onSessionEnded: () => signOut('Your session has ended; log in again.'),
  });
  setUpPeopleSearch(userId);
  await Promise.all([refreshFeed(), friends.show(), myPosts.show(userId)]);
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
  changes.length = 0;
  $('#feed').replaceChildren();
  friends.clear();
  myPosts.clear();
  $('#people-query').value = '';
  flash(message);
  offerLastAccount();
  showSignedOut();
}

// ---- forms ------------------------------------------------------------------------

setUpLogin(async (userId, password) => {
  await signIn(userId, password);
  flash('');
});

const registerLabels = {
  first_name: 'First name', second_name: 'Last name', birthdate: 'Birthdate', city: 'City', biography: 'About you', password: 'Password',
};

/** What the page can tell before asking the server, all at once. */
function registrationProblems(profile) {
  const problems = [];
  for (const field of ['first_name', 'second_name', 'birthdate']) {
    if (profile[field].trim() === '') problems.push({ field, message: 'is needed' });
  }
  if (profile.password === '') problems.push({ field: 'password', message: 'is needed' });
  return problems;
}

$('#register-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const profile = Object.fromEntries(new FormData(form));
  const early = registrationProblems(profile);
  if (early.length) {
    showProblems(form, early, registerLabels);
    return;
  }
  clearProblems(form);
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    const { user_id: userId } = await api.register({ ...profile, first_name: profile.first_name.trim(), second_name: profile.second_name.trim() });
    await signIn(userId, profile.password);
    form.reset();
    flash(`Welcome, ${profile.first_name.trim()}! You log in with your name and password. Find your friends under “Find people”.`);
  } catch (error) {
    if (error.problems?.length) showProblems(form, error.problems, registerLabels);
    else form.querySelector('.error').textContent = humanError(error, 'create your account');
  } finally {
    submit.disabled = false;
  }
});

$('#post-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const text = form.elements.namedItem('text').value;
  if (text.trim() === '') {
    say(form, 'Write something first.');
    return;
  }
  say(form, '');
  const submit = form.querySelector('button[type="submit"]');
  submit.disabled = true;
  try {
    await api.createPost(text);
    form.reset();
    await myPosts.refresh();
    say(form, 'Posted. Your friends see it now; it is listed under “Your posts”.', 'ok');
  } catch (error) {
    say(form, `Not posted. ${humanError(error, 'post this')}`);
  } finally {
    submit.disabled = false;
  }
});

$('#post-text').addEventListener('input', () => say($('#post-form'), ''));

const runPeopleSearch = searchAsYouType($('#people-query'), showPeople);
$('#people-form').addEventListener('submit', (event) => {
  event.preventDefault();
  runPeopleSearch();
});

friends.whenChanged(() => refreshFeed());

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

// "just now" becomes "2 min ago" while the page stays open.
setInterval(() => refreshTimes(), 30_000);

async function boot() {
  config = await api.config().catch(() => null);
  const current = session.get();
  if (current) await showSignedIn(current);
  else showSignedOut();
  document.body.dataset.ready = 'true';
}

boot();
