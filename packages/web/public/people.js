// People by name, and one's friends: the search behind "Find people" and behind the
// login form's "find my account", and the friends list with its unfriend buttons.
import { api } from './api.js';
import { humanError } from './messages.js';
import { button, fullName, personElement } from './render.js';

/**
 * Users whose names start with what was typed: one word matches a first or a last
 * name; "Ada Love" matches first name Ada and last name Love…, either way round.
 */
export async function findPeople(query) {
  const words = query.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const [first, ...rest] = words;
  const last = rest.join(' ');
  const asks = rest.length === 0 ? [[first, ''], ['', first]] : [[first, last], [last, first]];
  const answers = await Promise.all(asks.map(([f, l]) => api.search(f, l)));
  const byId = new Map(answers.flat().map((user) => [user.id, user]));
  return [...byId.values()].sort((a, b) => fullName(a).localeCompare(fullName(b)) || a.id.localeCompare(b.id));
}

/** Runs `search(query)` as the person types, after a pause, keeping only the newest answer. */
export function searchAsYouType(input, search, pauseMs = 250) {
  let timer;
  let asked = 0;
  const run = async () => {
    const mine = ++asked;
    const query = input.value;
    await search(query, () => mine === asked);
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(run, pauseMs);
  });
  return run;
}

// ---- friends -------------------------------------------------------------------------

let friendIds = new Set();
let onChange = () => {};

export const friends = {
  has: (userId) => friendIds.has(userId),
  /** Called after each add or remove (the feed re-reads). */
  whenChanged(handler) {
    onChange = handler;
  },
  /** Reads the friends list from the server into #friends. */
  async show() {
    const list = document.querySelector('#friends');
    const status = document.querySelector('#friends-status');
    try {
      const users = await api.friends();
      friendIds = new Set(users.map((u) => u.id));
      list.replaceChildren(...users.map((user) => personElement(user, [
        button('Unfriend', () => friends.remove(user), 'ghost small danger'),
      ])));
      document.querySelector('#friends-empty').hidden = users.length > 0;
      document.querySelector('#friends-count').textContent = users.length ? String(users.length) : '';
      status.textContent = '';
    } catch (error) {
      status.textContent = humanError(error, 'load your friends');
      status.dataset.kind = 'error';
    }
    markResults();
  },
  async add(user) {
    await change(user, () => api.addFriend(user.id), `${fullName(user)} is now your friend.`, 'add this friend');
  },
  async remove(user) {
    await change(user, () => api.removeFriend(user.id), `${fullName(user)} is no longer your friend.`, 'remove this friend');
  },
  clear() {
    friendIds = new Set();
    document.querySelector('#friends').replaceChildren();
    document.querySelector('#people-results').replaceChildren();
  },
};

async function change(user, command, done, doing) {
  const status = document.querySelector('#friends-status');
  try {
    await command();
  } catch (error) {
    status.textContent = humanError(error, doing);
    status.dataset.kind = 'error';
    return;
  }
  // The command's position rides along on these reads: they already include the change.
  await friends.show();
  status.textContent = done;
  status.dataset.kind = 'ok';
  await onChange();
}

// ---- finding people ------------------------------------------------------------------

let me = null;

/** The "Find people" card: results with one-click Add friend. */
export function setUpPeopleSearch(myId) {
  me = myId;
}

/** The buttons of a search result: you, a friend, or someone to add. */
function resultActions(user) {
  if (user.id === me) {
    const you = document.createElement('span');
    you.className = 'tag';
    you.textContent = 'you';
    return [you];
  }
  if (friends.has(user.id)) {
    const tag = document.createElement('span');
    tag.className = 'tag ok';
    tag.textContent = 'friend';
    return [tag];
  }
  return [button('Add friend', () => friends.add(user), 'small')];
}

/** Refreshes the buttons of the shown results after the friends changed. */
function markResults() {
  for (const item of document.querySelectorAll('#people-results .person')) {
    const user = shown.get(item.dataset.userId);
    if (user) item.querySelector('.person-actions').replaceChildren(...resultActions(user));
  }
}

const shown = new Map();

export async function showPeople(query, stillWanted = () => true) {
  const results = document.querySelector('#people-results');
  const line = document.querySelector('#people-status');
  if (query.trim() === '') {
    results.replaceChildren();
    line.textContent = '';
    return;
  }
  try {
    const users = await findPeople(query);
    if (!stillWanted()) return;
    shown.clear();
    for (const user of users) shown.set(user.id, user);
    results.replaceChildren(...users.map((user) => personElement(user, resultActions(user))));
    line.textContent = users.length ? '' : `Nobody on Herald is called “${query.trim()}”. Try the start of a first or last name.`;
    line.dataset.kind = 'info';
  } catch (error) {
    if (!stillWanted()) return;
    line.textContent = humanError(error, 'search');
    line.dataset.kind = 'error';
  }
}
