// "Your posts": what this tab's user wrote here, to edit or delete. The feed holds
// friends' posts only, so one's own posts are listed from the ids this tab created.
import { api } from './api.js';
import { postElement } from './render.js';

const list = () => document.querySelector('#my-posts');
const empty = () => document.querySelector('#my-posts-empty');
let storageKey = null;

function storedIds() {
  try {
    const ids = JSON.parse(sessionStorage.getItem(storageKey) ?? '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function store(ids) {
  sessionStorage.setItem(storageKey, JSON.stringify(ids.slice(0, 20)));
}

function forget(postId) {
  store(storedIds().filter((id) => id !== postId));
  list().querySelector(`[data-post-id="${CSS.escape(postId)}"]`)?.remove();
  empty().hidden = list().children.length > 0;
}

function button(label, onClick, kind = 'ghost small') {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = kind;
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

/** An inline editor in place of the text: Save sends PUT /post/update, Cancel restores. */
function edit(item, post) {
  const text = item.querySelector('.text');
  const actions = item.querySelector('.actions');
  const area = document.createElement('textarea');
  area.value = post.text;
  area.rows = 3;
  const restore = () => {
    area.remove();
    text.hidden = false;
    actions.replaceChildren(...postActions(item, post));
  };
  const save = async () => {
    try {
      await api.updatePost(post.id, area.value);
      post.text = area.value;
      text.textContent = post.text;
      restore();
    } catch (error) {
      text.hidden = false;
      text.textContent = `Not saved: ${error.message}`;
    }
  };
  text.hidden = true;
  text.after(area);
  actions.replaceChildren(button('Save', save, 'small'), button('Cancel', restore));
  area.focus();
}

function postActions(item, post) {
  return [
    button('Edit', () => edit(item, post)),
    button('Delete', async () => {
      await api.deletePost(post.id);
      forget(post.id);
    }),
  ];
}

function render(post) {
  const item = postElement(post);
  const actions = document.createElement('div');
  actions.className = 'actions';
  item.append(actions);
  actions.replaceChildren(...postActions(item, post));
  return item;
}

/** Reads a post from the read model (the last command's position makes it there already). */
async function load(postId) {
  try {
    return await api.post(postId);
  } catch (error) {
    if (error.status === 404) forget(postId);
    return null;
  }
}

export const myPosts = {
  async show(userId) {
    storageKey = `herald.posts.${userId}`;
    list().replaceChildren();
    const posts = (await Promise.all(storedIds().map(load))).filter(Boolean);
    list().replaceChildren(...posts.map(render));
    empty().hidden = posts.length > 0;
  },
  async add(postId) {
    store([postId, ...storedIds()]);
    const post = await load(postId);
    if (post) list().prepend(render(post));
    empty().hidden = list().children.length > 0;
  },
};
