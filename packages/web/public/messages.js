// What the page tells a person when something goes wrong: the API's answer in plain
// words, every problem of a form at once, and when a refusal can be tried again.

/** A sentence: first letter capital, one full stop at the end. */
export function sentence(text) {
  const trimmed = String(text).trim().replace(/[.]+$/, '');
  return trimmed === '' ? '' : `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
}

/** "in 14 minutes (at 10:47)" from a Retry-After in seconds. */
export function retryText(seconds, now = new Date()) {
  const at = new Date(now.getTime() + seconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? '' : 's'} (at ${at})`;
  return `in about ${Math.round(minutes / 60)} hours (at ${at})`;
}

// The API's stable error names (docs/api.md), said for people. `doing` is what the
// person was doing ("save this post"), for the messages that need it.
const byError = {
  unreachable: () => 'Herald cannot be reached. Check your connection and try again',
  invalid_credentials: () => 'That password is not right for this account',
  user_not_found: () => 'There is no such person on Herald (any more)',
  post_not_found: () => 'This post no longer exists: it was deleted, perhaps in another tab',
  not_post_author: () => 'Only the author of a post can change it',
  cannot_befriend_self: () => 'You cannot add yourself as a friend',
  unauthenticated: () => 'Your session has ended; log in again',
  payload_too_large: () => 'That is too long to send',
  write_contention: (doing) => `Too many changes at once; could not ${doing}. Try again`,
  read_model_behind: () => 'Herald is catching up with recent changes; try again in a moment',
};

/** One line for a failed request. A lockout says when to retry; input problems are listed. */
export function humanError(error, doing = 'do that') {
  if (error?.error === 'too_many_login_failures') {
    const when = error.retryAfterSeconds ? retryText(error.retryAfterSeconds) : 'later';
    return sentence(`Too many wrong passwords for this account. You can try again ${when}`);
  }
  const known = byError[error?.error];
  if (known) return sentence(known(doing));
  if (error?.error === 'invalid_input' && error.problems?.length) {
    return error.problems.map((p) => sentence(`${p.field.replace(/_/g, ' ')} ${p.message}`)).join(' ');
  }
  if (error?.status >= 500) {
    const retry = error.retryAfterSeconds ? ` Try again ${retryText(error.retryAfterSeconds)}.` : ' Try again in a moment.';
    return `Herald could not ${doing} just now (the server answered ${error.status}).${retry}`;
  }
  return sentence(error?.message ?? `Could not ${doing}`);
}

/**
 * Shows every problem of a form at once: each beside its field (an element
 * `[data-problem-for=name]`), and the ones without a field in the form's error line.
 * `problems` are `{field, message}`; `labels` maps field names to what the form calls them.
 */
export function showProblems(form, problems, labels) {
  clearProblems(form);
  const unplaced = [];
  for (const { field, message } of problems) {
    const slot = form.querySelector(`[data-problem-for="${CSS.escape(field)}"]`);
    const text = sentence(`${labels[field] ?? field.replace(/_/g, ' ')} ${message}`);
    if (slot) {
      slot.textContent = text;
      form.elements.namedItem(field)?.setAttribute('aria-invalid', 'true');
    } else unplaced.push(text);
  }
  const line = form.querySelector('.error');
  if (line) line.textContent = problems.length > 1 ? `Please fix ${problems.length} things. ${unplaced.join(' ')}`.trim() : unplaced.join(' ');
}

export function clearProblems(form) {
  form.querySelectorAll('[data-problem-for]').forEach((slot) => { slot.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((field) => field.removeAttribute('aria-invalid'));
  const line = form.querySelector('.error');
  if (line) line.textContent = '';
}
