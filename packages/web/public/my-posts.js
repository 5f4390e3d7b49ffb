// "Your posts": the signed-in user's own posts, read from the server (GET /post/list),
// so they show in any tab and after any login, each with Edit and Delete. A failed edit
// or delete says so on a line of its own under the post; the post's text stays.
import { api } from './api.js';
import { humanError } from './messages.js';
import { button, postElement } from './render.js';

const list = () => document.querySelector('#my-posts');
const empty = () => document.querySelector('#my-posts-empty');
const failure = () => document.querySelector('#my-posts-error');
let author = null;

/** The line under a post that says what went wrong with it; empty hides it. */
function problem(item, text) {
  const line = item.querySelector('.post-error');
  line.textContent = text;
}

function forget(item) {
  item.remove();
  empty().hidden = list().children.length > 0;
}

/** An inline editor under the text: Save sends PUT /post/update, Cancel puts everything back. */
function edit(item, post) {
  const text = item.querySelector('.text');
  const actions = item.querySelector('.actions');
  const area = document.createElement('textarea');
  area.value = post.text;
  area.rows = 3;
  area.setAttribute('aria-label', 'Edit your post');
  const restore = () => {
    area.remove();
    text.hidden = false;
    problem(item, '');
    actions.replaceChildren(...postActions(item, post));
  };
  const save = async () => {
    if (area.value.trim() === '') {
      problem(item, 'A post needs some text. To remove it, use Delete.');
      return;
    }
    try {
      await api.updatePost(post.id, area.value);
    } catch (error) {
      problem(item, `Not saved. ${humanError(error, 'save this post')}`);
      return;
    }
    post.text = area.value;
    text.textContent = post.text;
    restore();
  };
  problem(item, '');
  text.hidden = true;
  text.after(area);
  actions.replaceChildren(button('Save', save, 'small'), button('Cancel', restore));
  area.focus();
}

function postActions(item, post) {
  return [
    button('Edit', () => edit(item, post)),
    button('Delete', async () => {
      try {
        await api.deletePost(post.id);
      } catch (error) {
        // Already gone (deleted in another tab) is what Delete wanted.
        if (error.error !== 'post_not_found') {
          problem(item, `Not deleted. ${humanError(error, 'delete this post')}`);
          return;
        }
      }
      forget(item);
    }, 'ghost small danger'),
  ];
}

function render(post) {
  const item = postElement(post);
  const actions = document.createElement('div');
  actions.className = 'actions';
  const error = document.createElement('p');
  error.className = 'post-error';
  error.setAttribute('role', 'alert');
  item.append(actions, error);
  actions.replaceChildren(...postActions(item, post));
  return item;
}

export const myPosts = {
  /** Reads the user's posts, newest first. */
  async show(userId) {
    author = userId;
    try {
      const posts = await api.postsBy(userId);
      if (author !== userId) return;
      list().replaceChildren(...posts.map(render));
      empty().hidden = posts.length > 0;
      failure().textContent = '';
    } catch (error) {
      failure().textContent = humanError(error, 'load your posts');
    }
  },
  /** After a new post: read the list again (the post's position makes it there already). */
  async refresh() {
    if (author) await myPosts.show(author);
  },
  clear() {
    author = null;
    list().replaceChildren();
  },
};
