// Turning posts and users into elements. Every piece of user text goes in through
// textContent, never as HTML.
import { api } from './api.js';

const names = new Map();

/** "First Last" of a user, fetched once per page; the short id until it is known. */
export function nameOf(userId) {
  if (!names.has(userId)) {
    names.set(userId, api.user(userId).then(
      (user) => `${user.first_name} ${user.second_name}`,
      () => {
        names.delete(userId); // ask again next time
        return shortId(userId);
      },
    ));
  }
  return names.get(userId);
}

export function shortId(id) {
  return `${id.slice(0, 8)}…`;
}

function hue(id) {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 360;
  return h;
}

/** A round badge with the user's initials, in a colour of their own. */
export function paintAvatar(element, userId, name) {
  element.style.setProperty('--hue', String(hue(userId)));
  element.textContent = name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join('') || '?';
}

/** "just now", "5 min ago", "14:02", "yesterday 14:02", "3 Mar 14:02", "3 Mar 2025". */
export function whenText(date, now = new Date()) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (seconds < 45) return 'just now';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((day(now) - day(date)) / 86_400_000);
  if (days === 0) return time;
  if (days === 1) return `yesterday ${time}`;
  const sameYear = date.getFullYear() === now.getFullYear();
  const dayMonth = date.toLocaleDateString([], { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
  return sameYear ? `${dayMonth} ${time}` : dayMonth;
}

/** Sets a <time> to `date`: readable text, the exact local time on hover. */
export function paintTime(element, date) {
  element.dateTime = date.toISOString();
  element.textContent = whenText(date);
  element.title = date.toLocaleString();
}

/** Keeps every post's time current ("just now" becomes "2 min ago"). */
export function refreshTimes(root = document) {
  root.querySelectorAll('time.when[datetime]').forEach((element) => paintTime(element, new Date(element.dateTime)));
}

/**
 * One post as a list item: author (name, id on hover), when it was written, text, and a
 * "new" badge for live ones. A live post has no created_at: it was written as it arrived.
 */
export function postElement(post, { live = false } = {}) {
  const item = document.querySelector('#post-template').content.firstElementChild.cloneNode(true);
  item.dataset.postId = post.id;
  item.querySelector('.text').textContent = post.text;
  paintTime(item.querySelector('time.when'), post.created_at ? new Date(post.created_at) : new Date());
  const author = item.querySelector('.author');
  const avatar = item.querySelector('.avatar');
  author.textContent = shortId(post.author_user_id);
  author.title = post.author_user_id;
  paintAvatar(avatar, post.author_user_id, '');
  nameOf(post.author_user_id).then((name) => {
    author.textContent = name;
    paintAvatar(avatar, post.author_user_id, name);
  });
  if (live) {
    item.classList.add('arrived');
    item.querySelector('.badge').hidden = false;
  }
  return item;
}

/** Shows a message in a form's error or status line. */
export function say(form, text, kind = 'error') {
  const line = form.querySelector('.error, .status');
  line.textContent = text;
  line.dataset.kind = kind;
}

/** A button that runs `onClick` once per click, disabled while it runs. */
export function button(label, onClick, kind = 'ghost small') {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = kind;
  element.textContent = label;
  element.addEventListener('click', async () => {
    element.disabled = true;
    try {
      await onClick();
    } finally {
      element.disabled = false;
    }
  });
  return element;
}

/** "Ada Lovelace" of an OTUS User. */
export const fullName = (user) => `${user.first_name} ${user.second_name}`;

/** A person as a list item: avatar, name, city, and the given buttons. */
export function personElement(user, actions = []) {
  const item = document.createElement('li');
  item.className = 'person';
  item.dataset.userId = user.id;
  const avatar = document.createElement('span');
  avatar.className = 'avatar';
  avatar.setAttribute('aria-hidden', 'true');
  paintAvatar(avatar, user.id, fullName(user));
  const who = document.createElement('span');
  who.className = 'who';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = fullName(user);
  name.title = user.id;
  const detail = document.createElement('span');
  detail.className = 'detail';
  detail.textContent = [user.city, user.birthdate ? `born ${user.birthdate.slice(0, 4)}` : ''].filter(Boolean).join(' · ');
  who.append(name, detail);
  const buttons = document.createElement('span');
  buttons.className = 'person-actions';
  buttons.append(...actions);
  item.append(avatar, who, buttons);
  return item;
}
