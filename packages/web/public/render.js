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

/** One post as a list item: author (name, id on hover), text, and a "new" badge for live ones. */
export function postElement(post, { live = false } = {}) {
  const item = document.querySelector('#post-template').content.firstElementChild.cloneNode(true);
  item.dataset.postId = post.id;
  item.querySelector('.text').textContent = post.text;
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
  // The API's messages start in lower case ("wrong user id or password"); a sentence here.
  line.textContent = text.charAt(0).toUpperCase() + text.slice(1);
  line.dataset.kind = kind;
}
