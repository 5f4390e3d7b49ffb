// The login form: a person types their name, picks themselves from the people of that
// name, and enters their password. A user id still works. The last account that logged
// in on this device is offered again after a log out.
import { humanError, showProblems, clearProblems } from './messages.js';
import { findPeople, searchAsYouType } from './people.js';
import { button, fullName, paintAvatar, personElement } from './render.js';

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const lastAccountKey = 'herald.lastAccount';
const labels = { who: 'Your name', password: 'Password' };
const $ = (selector) => document.querySelector(selector);

let chosen = null;

/** The account this device last logged in with: {id, first_name, second_name, city}, or null. */
export const lastAccount = {
  get() {
    try {
      const value = JSON.parse(localStorage.getItem(lastAccountKey) ?? 'null');
      return value && typeof value.id === 'string' ? value : null;
    } catch {
      return null;
    }
  },
  set(user) {
    localStorage.setItem(lastAccountKey, JSON.stringify({ id: user.id, first_name: user.first_name, second_name: user.second_name, city: user.city }));
  },
};

function choose(user) {
  chosen = user;
  const form = $('#login-form');
  $('#login-who').hidden = user !== null;
  $('#login-chosen').hidden = user === null;
  clearProblems(form);
  if (user === null) {
    form.elements.namedItem('who').focus();
    return;
  }
  paintAvatar($('#login-chosen .avatar'), user.id, fullName(user));
  $('#login-chosen .name').textContent = fullName(user);
  $('#login-chosen .name').title = user.id;
  $('#login-chosen .detail').textContent = [user.city, user.birthdate ? `born ${user.birthdate.slice(0, 4)}` : ''].filter(Boolean).join(' · ');
  form.elements.namedItem('password').focus();
}

async function showMatches(query, stillWanted = () => true) {
  const list = $('#login-matches');
  const line = $('#login-matches-status');
  if (query.trim() === '' || uuidShape.test(query.trim())) {
    list.replaceChildren();
    line.textContent = '';
    return [];
  }
  try {
    const users = await findPeople(query);
    if (!stillWanted()) return users;
    list.replaceChildren(...users.slice(0, 8).map((user) => personElement(user, [button('This is me', () => choose(user), 'small')])));
    line.textContent = users.length ? '' : `Nobody on Herald is called “${query.trim()}”. Check the spelling, or create an account.`;
    line.dataset.kind = 'info';
    return users;
  } catch (error) {
    line.textContent = humanError(error, 'search');
    line.dataset.kind = 'error';
    return [];
  }
}

/** Wires the form; `logIn(userId, password)` signs in or throws the API's error. */
export function setUpLogin(logIn) {
  const form = $('#login-form');
  const who = form.elements.namedItem('who');
  searchAsYouType(who, showMatches);
  $('#login-change').addEventListener('click', () => choose(null));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const typed = who.value.trim();
    const password = form.elements.namedItem('password').value;
    const problems = [];
    if (!chosen && typed === '') problems.push({ field: 'who', message: 'is needed: type it and pick yourself from the list' });
    else if (!chosen && !uuidShape.test(typed)) {
      // A name that only one person has is enough; several need a pick.
      const users = await showMatches(typed);
      if (users.length === 1) choose(users[0]);
      else problems.push({ field: 'who', message: users.length ? 'matches several people: pick yourself from the list' : 'matches nobody on Herald' });
    }
    if (password === '') problems.push({ field: 'password', message: 'is needed' });
    if (problems.length) {
      showProblems(form, problems, labels);
      return;
    }
    const userId = chosen?.id ?? typed;
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    clearProblems(form);
    try {
      await logIn(userId, password);
      form.reset();
      choose(null);
      $('#login-matches').replaceChildren();
    } catch (error) {
      form.querySelector('.error').textContent = humanError(error, 'log you in');
    } finally {
      submit.disabled = false;
    }
  });
  const last = lastAccount.get();
  if (last) choose(last);
}

/** After a log out: offer the account that just left. */
export function offerLastAccount() {
  const last = lastAccount.get();
  if (last) choose(last);
}
