// The web page in headless Chromium against the real processes, used as people use it:
// they register (and see every mistake of the form at once), find each other by name
// and become friends in one click, watch posts arrive live and friends' edits and
// deletes change them in place, log in by name in a new
// tab and find their own posts there, see failed edits and deletes beside the post,
// are told when a lockout ends, and do all of it on a phone-sized screen. Screenshots
// land in artifacts/ (git-ignored).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { call, skipBecause } from '@herald/kit/testing';
import type { Browser, Page } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureChromium, launchChromium } from './testing/chromium.js';
import type { HeraldSystem } from './testing/system.js';
import { startSystem } from './testing/system.js';

const artifacts = fileURLToPath(new URL('../../../artifacts/', import.meta.url));
const actionTimeoutMs = 20_000;
const password = 'correct horse battery';
const desktop = { width: 1200, height: 820 };
const phone = { width: 390, height: 844 };
/** Failed logins of one account before the lockout (LOGIN_FAILURES_PER_USER) in this system. */
const failuresBeforeLockout = 3;

let system: HeraldSystem | undefined;
let browser: Browser | undefined;
const problems: string[] = [];
const pages = new Map<string, Page>();

function herald(): HeraldSystem {
  if (!system) throw new Error('the system did not start');
  return system;
}

function pageOf(who: string): Page {
  const page = pages.get(who);
  if (!page) throw new Error(`${who}'s page of an earlier test is gone`);
  return page;
}

/** A fresh browser context (its own storage): one person at one browser. */
async function openPage(who: string, viewport = desktop): Promise<Page> {
  if (!browser) throw new Error('the browser did not start');
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(actionTimeoutMs);
  const page = await context.newPage();
  // Script errors and CSP refusals show up here; a working page has none. An HTTP error
  // answer is logged by Chromium too, but the page handles those, so they are not
  // problems of the page.
  page.on('pageerror', (error) => problems.push(`${who}: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !text.startsWith('Failed to load resource: the server responded with a status of')) {
      problems.push(`${who}: console: ${text}`);
    }
  });
  await page.goto(herald().apiUrl);
  await page.locator('body[data-ready="true"]').waitFor();
  pages.set(who, page);
  return page;
}

async function fillRegistration(page: Page, fields: Record<string, string>): Promise<void> {
  const form = page.locator('#register-form');
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label, { exact: true }).fill(value);
}

async function registerIn(page: Page, firstName: string, lastName: string): Promise<string> {
  await fillRegistration(page, { 'First name': firstName, 'Last name': lastName, Birthdate: '1991-02-03', City: 'Lisbon', 'About you': `${firstName} tries Herald`, Password: password });
  await page.getByRole('button', { name: 'Register and log in' }).click();
  await page.locator('#signed-in').waitFor();
  await page.locator('#me-name', { hasText: `${firstName} ${lastName}` }).waitFor();
  return (await page.locator('#my-id').textContent())?.trim() ?? '';
}

async function postIn(page: Page, text: string): Promise<void> {
  await page.getByLabel('New post').fill(text);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  // On a phone "Your posts" is another tab: the post is there, not necessarily in view.
  await page.locator('#my-posts .post', { hasText: text }).waitFor({ state: 'attached' });
  await page.locator('#post-form .error', { hasText: 'Posted.' }).waitFor();
}

/** Logs in from the signed-out page by typing a name and picking the person. */
async function logInByName(page: Page, name: string, fullName: string, secret = password, shot?: string): Promise<void> {
  const form = page.locator('#login-form');
  if (await page.locator('#login-chosen').isVisible()) await form.getByRole('button', { name: 'Not you?' }).click();
  await form.getByLabel('Your name or user id').fill(name);
  const match = form.locator('#login-matches .person', { hasText: fullName });
  await match.waitFor();
  if (shot) await screenshot(page, shot);
  await match.getByRole('button', { name: 'This is me' }).click();
  await form.locator('#login-chosen', { hasText: fullName }).waitFor();
  await form.getByLabel('Password').fill(secret);
  await form.getByRole('button', { name: 'Log in' }).click();
}

async function tokenOf(page: Page): Promise<string> {
  return page.evaluate<string>("JSON.parse(sessionStorage.getItem('herald.session')).token");
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
}

/** Every post shown carries a readable time with its exact timestamp. */
async function assertTimed(page: Page, selector: string): Promise<void> {
  const times = page.locator(`${selector} .post time.when`);
  const count = await times.count();
  assert.ok(count > 0, `${selector} shows posts`);
  for (let i = 0; i < count; i++) {
    assert.ok(((await times.nth(i).textContent()) ?? '').trim() !== '', `${selector}: post ${i + 1} shows a time`);
    assert.ok(!Number.isNaN(Date.parse((await times.nth(i).getAttribute('datetime')) ?? '')), `${selector}: post ${i + 1} has a datetime`);
  }
}

const missing = ensureChromium();

if (missing) {
  // kit's skipBecause wants a handler returning unknown; uvu's skip takes none here.
  skipBecause({ skip: (name: string) => test.skip(name) }, 'the web page in a browser', missing);
} else {
  test.before(async () => {
    system = await startSystem('browser', { LOGIN_FAILURES_PER_USER: String(failuresBeforeLockout), LOGIN_FAILURES_PER_USER_AND_CLIENT: String(failuresBeforeLockout) });
    browser = await launchChromium();
  });

  test.after(async () => {
    await browser?.close();
    await system?.stop();
  });

  test('registration names every problem of the form at once, in words for people, beside each field', async () => {
    const ada = await openPage('Ada');
    await screenshot(ada, 'web-signed-out');
    const form = ada.locator('#register-form');
    await form.getByRole('button', { name: 'Register and log in' }).click();
    const shown = () => form.locator('.problem:not(:empty)').allTextContents();
    assert.equal(await shown(), ['First name is needed.', 'Last name is needed.', 'Birthdate is needed.', 'Password is needed.']);
    assert.match(await form.locator('.error').textContent() ?? '', 'Please fix 4 things.');

    // What only the server knows (its limits) comes back all at once too.
    await fillRegistration(ada, { 'First name': 'Ada', 'Last name': 'Lovelace', Birthdate: '1815-12-10', Password: 'short' });
    await form.getByRole('button', { name: 'Register and log in' }).click();
    await form.locator('[data-problem-for="password"]', { hasText: 'Password must be at least 8 characters.' }).waitFor();
    assert.equal(await shown(), ['Birthdate must be 1900-01-01 or later.', 'Password must be at least 8 characters.']);
    assert.not.match((await form.textContent()) ?? '', /Too small|expected string|>=/, 'no validator jargon');
    await screenshot(ada, 'web-register-problems');

    await form.getByLabel('Birthdate').fill('1990-12-10');
    await registerIn(ada, 'Ada', 'Lovelace');
    // The welcome follows the sign-in, which shows the signed-in page before it resolves.
    await ada.locator('#flash', { hasText: 'You log in with your name and password' }).waitFor();
  });

  test('people are found by name and befriended in one click; their posts appear live, each with a time', async () => {
    const ada = pageOf('Ada');
    const ben = await openPage('Ben');
    await registerIn(ben, 'Ben', 'Okafor');
    await postIn(ben, 'Ben’s first post, from before the friendship');

    await ada.getByPlaceholder('A first or last name').fill('okaf');
    const result = ada.locator('#people-results .person', { hasText: 'Ben Okafor' });
    await result.getByRole('button', { name: 'Add friend' }).click();
    await ada.locator('#friends-status', { hasText: 'Ben Okafor is now your friend.' }).waitFor();
    await result.locator('.tag', { hasText: 'friend' }).waitFor();
    assert.equal(await ada.locator('#friends .person .name').allTextContents(), ['Ben Okafor']);
    // The feed read after the command carries its position: Ben's earlier post is there at once.
    assert.equal(await ada.locator('#feed .post .text').allTextContents(), ['Ben’s first post, from before the friendship']);
    await assertTimed(ada, '#feed');
    for (const page of [ada, ben]) await page.locator('#live[data-state="live"]').waitFor();

    await ada.evaluate(() => Reflect.set(globalThis, 'heraldMarker', 'the same page'));
    await postIn(ben, 'Hello from Ben’s browser <b>not bold</b>');
    const arrived = ada.locator('#feed .post', { hasText: 'Hello from Ben’s browser <b>not bold</b>' });
    await arrived.waitFor();
    assert.is(await ada.evaluate(() => Reflect.get(globalThis, 'heraldMarker')), 'the same page', "Ada's page was not reloaded");
    assert.is(await arrived.locator('.author').textContent(), 'Ben Okafor');
    assert.is(await arrived.locator('time.when').textContent(), 'just now');
    assert.ok(await arrived.locator('.badge').isVisible(), 'a live post is marked new');
    assert.equal(await ada.locator('#feed .post .text').allTextContents(), ['Hello from Ben’s browser <b>not bold</b>', 'Ben’s first post, from before the friendship'], 'newest first');
    assert.is(await arrived.locator('b').count(), 0, 'post text is shown as text, never as HTML');
    await screenshot(ada, 'web-ada-feed');
    await screenshot(ben, 'web-ben-posted');

    await ada.getByRole('button', { name: 'Refresh' }).click();
    await ada.locator('#feed .post:not(.arrived)', { hasText: 'Hello from Ben’s browser' }).waitFor();
    await assertTimed(ada, '#feed');
  });

  test("a friend's edit and delete change the open page in place, live, without a reload", async () => {
    const [ada, ben] = [pageOf('Ada'), pageOf('Ben')];
    await ada.evaluate(() => Reflect.set(globalThis, 'heraldMarker', 'not reloaded'));
    await postIn(ben, 'Ben’s post, soon to be edited');
    const shown = ada.locator('#feed .post', { hasText: 'Ben’s post, soon to be edited' });
    await shown.waitFor();
    const postId = await shown.getAttribute('data-post-id');
    const onAdasPage = ada.locator(`#feed .post[data-post-id="${postId ?? ''}"]`);

    const mine = ben.locator('#my-posts .post', { hasText: 'Ben’s post, soon to be edited' });
    await mine.getByRole('button', { name: 'Edit' }).click();
    await mine.locator('textarea').fill('Ben’s post, edited <i>live</i>');
    await mine.getByRole('button', { name: 'Save' }).click();
    await onAdasPage.locator('.text', { hasText: 'Ben’s post, edited <i>live</i>' }).waitFor();
    assert.ok(await onAdasPage.locator('.edited').isVisible(), 'an edited post is marked edited');
    assert.is(await onAdasPage.locator('i').count(), 0, 'edited text is shown as text, never as HTML');
    assert.is(await onAdasPage.locator('.author').textContent(), 'Ben Okafor', 'the rest of the post stays');
    assert.equal(await ada.locator('#feed .post .text').allTextContents(),
      ['Ben’s post, edited <i>live</i>', 'Hello from Ben’s browser <b>not bold</b>', 'Ben’s first post, from before the friendship'], 'in its place');
    await screenshot(ada, 'web-ada-sees-edit');

    await ben.locator('#my-posts .post', { hasText: 'Ben’s post, edited' }).getByRole('button', { name: 'Delete' }).click();
    await onAdasPage.waitFor({ state: 'detached' });
    assert.equal(await ada.locator('#feed .post .text').allTextContents(),
      ['Hello from Ben’s browser <b>not bold</b>', 'Ben’s first post, from before the friendship'], 'the deleted post is gone, the others stay');
    assert.is(await ada.evaluate(() => Reflect.get(globalThis, 'heraldMarker')), 'not reloaded', "Ada's page was not reloaded");
    await screenshot(ada, 'web-ada-sees-delete');

    // The feed read over HTTP agrees with what the socket did.
    const feedRead = ada.waitForResponse((response) => new URL(response.url()).pathname === '/post/feed');
    await ada.getByRole('button', { name: 'Refresh' }).click();
    assert.is((await feedRead).status(), 200);
    await ada.waitForFunction("document.querySelectorAll('#feed .post.arrived').length === 0");
    assert.equal(await ada.locator('#feed .post .text').allTextContents(),
      ['Hello from Ben’s browser <b>not bold</b>', 'Ben’s first post, from before the friendship']);
  });

  test('unfriending from the friends list empties the list and the feed at once', async () => {
    const ada = pageOf('Ada');
    await ada.locator('#friends .person', { hasText: 'Ben Okafor' }).getByRole('button', { name: 'Unfriend' }).click();
    await ada.locator('#friends-status', { hasText: 'Ben Okafor is no longer your friend.' }).waitFor();
    assert.is(await ada.locator('#friends .person').count(), 0);
    assert.is(await ada.locator('#feed .post').count(), 0);
    assert.ok(await ada.locator('#feed-empty').isVisible(), 'the empty feed says how to fill it');
    await ada.locator('#people-results .person', { hasText: 'Ben Okafor' }).getByRole('button', { name: 'Add friend' }).waitFor();
    await screenshot(ada, 'web-ada-unfriended');
  });

  test('a person logs in by name, without their id; a wrong password says so; own posts come from the server in a new tab', async () => {
    const ben = pageOf('Ben');
    await ben.getByRole('button', { name: 'Log out' }).click();
    await ben.locator('#signed-out').waitFor();
    // The account that just left is offered again: no id to remember.
    await ben.locator('#login-chosen', { hasText: 'Ben Okafor' }).waitFor();
    await logInByName(ben, 'ben', 'Ben Okafor', 'not the password');
    await ben.locator('#login-form .error', { hasText: 'That password is not right for this account.' }).waitFor();
    await screenshot(ben, 'web-ben-wrong-password');
    await ben.locator('#login-form').getByLabel('Password').fill(password);
    await ben.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await ben.locator('#me-name', { hasText: 'Ben Okafor' }).waitFor();
    await ben.locator('#live[data-state="live"]').waitFor();

    // A new browser (no storage at all): log in by name, and the posts are there.
    const elsewhere = await openPage('Ben elsewhere');
    assert.ok(await elsewhere.locator('#login-who').isVisible(), 'a new browser asks who you are');
    await logInByName(elsewhere, 'Okafor', 'Ben Okafor', password, 'web-login-by-name');
    await elsewhere.locator('#me-name', { hasText: 'Ben Okafor' }).waitFor();
    const mine = elsewhere.locator('#my-posts .post');
    await mine.first().waitFor();
    assert.equal(await mine.locator('.text').allTextContents(), ['Hello from Ben’s browser <b>not bold</b>', 'Ben’s first post, from before the friendship']);
    await assertTimed(elsewhere, '#my-posts');
  });

  test('a failed edit or delete says so beside the post; its text stays, and Cancel clears the message', async () => {
    const ben = pageOf('Ben elsewhere');
    const mine = ben.locator('#my-posts .post');
    const first = mine.filter({ hasText: 'Ben’s first post' });
    const hello = mine.filter({ hasText: 'Hello from Ben’s browser' });

    // Deleted in another tab, then edited here: 404, said under the post.
    const postId = (await first.getAttribute('data-post-id')) ?? '';
    const deleted = await call(herald().apiUrl, 'PUT', `/post/delete/${postId}`, { token: await tokenOf(ben) });
    assert.is(deleted.status, 200);
    await first.getByRole('button', { name: 'Edit' }).click();
    await first.locator('textarea').fill('Ben’s first post, edited');
    await first.getByRole('button', { name: 'Save' }).click();
    await first.locator('.post-error', { hasText: 'Not saved. This post no longer exists' }).waitFor();
    assert.is(await first.locator('.text').textContent(), 'Ben’s first post, from before the friendship', 'the text is not replaced by the error');
    await screenshot(ben, 'web-ben-edit-failed');
    await first.getByRole('button', { name: 'Cancel' }).click();
    assert.is(await first.locator('.post-error').textContent(), '');
    assert.ok(await first.locator('.text').isVisible());
    assert.is(await first.locator('.text').textContent(), 'Ben’s first post, from before the friendship');

    // The server fails a delete (simulated in the browser's network): said under the post, the post stays.
    await ben.route('**/post/delete/**', (route) => route.fulfill({
      status: 503, contentType: 'application/json', headers: { 'Retry-After': '5' },
      body: JSON.stringify({ message: 'the event store is unavailable, retry later', request_id: 'r', code: 50300, error: 'event_store_unavailable' }),
    }));
    await hello.getByRole('button', { name: 'Delete' }).click();
    await hello.locator('.post-error', { hasText: 'Not deleted. Herald could not delete this post just now (the server answered 503). Try again in 5 seconds.' }).waitFor();
    assert.is(await hello.locator('.text').textContent(), 'Hello from Ben’s browser <b>not bold</b>');
    await screenshot(ben, 'web-ben-delete-failed');
    await ben.unroute('**/post/delete/**');

    // Deleting what is already gone just removes it; a real delete too, and it stays gone after a reload.
    await first.getByRole('button', { name: 'Delete' }).click();
    await first.waitFor({ state: 'detached' });
    await hello.getByRole('button', { name: 'Delete' }).click();
    await hello.waitFor({ state: 'detached' });
    await ben.reload();
    await ben.locator('body[data-ready="true"]').waitFor();
    await ben.locator('#my-posts-empty').waitFor();
    assert.is(await mine.count(), 0);
  });

  test('a lockout after repeated wrong passwords says when to try again (from Retry-After)', async () => {
    const cleo = await openPage('Cleo');
    await registerIn(cleo, 'Cleo', 'Martins');
    await cleo.getByRole('button', { name: 'Log out' }).click();
    const form = cleo.locator('#login-form');
    for (let attempt = 1; attempt <= failuresBeforeLockout; attempt++) {
      await form.getByLabel('Password').fill(`wrong guess ${attempt}`);
      await form.getByRole('button', { name: 'Log in' }).click();
      await form.locator('.error', { hasText: 'That password is not right' }).waitFor();
      await form.locator('.error').evaluate((line) => { line.textContent = ''; });
    }
    await form.getByLabel('Password').fill(password);
    await form.getByRole('button', { name: 'Log in' }).click();
    const refusal = form.locator('.error', { hasText: 'Too many wrong passwords' });
    await refusal.waitFor();
    assert.match(await refusal.textContent() ?? '', /^Too many wrong passwords for this account\. You can try again in (1[0-5]) minutes \(at \d\d:\d\d( [AP]M)?\)\.$/);
    await screenshot(cleo, 'web-cleo-locked-out');
  });

  test('at phone width (390 px) nothing overflows, Log out stays on one line, and friends are one tap away', async () => {
    const phonePage = await openPage('Ada on a phone', phone);
    const overflow = () => phonePage.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.is(await overflow(), 0, 'the signed-out page fits');
    await screenshot(phonePage, 'web-phone-signed-out');
    await logInByName(phonePage, 'Ada Love', 'Ada Lovelace', password, 'web-phone-login-by-name');
    await phonePage.locator('#me-name', { hasText: 'Ada Lovelace' }).waitFor();
    const friendsTab = phonePage.locator('.tabs').getByRole('button', { name: 'Friends' });
    await friendsTab.waitFor();
    await postIn(phonePage, 'Ada, posting from her phone');
    assert.is(await overflow(), 0, 'the signed-in page fits');
    const logout = await phonePage.getByRole('button', { name: 'Log out' }).boundingBox();
    const live = await phonePage.locator('#live').boundingBox();
    assert.ok(logout && live, 'Log out and the live badge are shown');
    assert.ok(logout.height < 34, `Log out is one line high (${logout.height} px)`);
    assert.ok(Math.abs((logout.y + logout.height / 2) - (live.y + live.height / 2)) < 4, 'Log out sits on the top bar line');
    assert.ok(logout.x + logout.width <= phone.width, 'Log out is within the screen');
    await screenshot(phonePage, 'web-phone-feed');

    // Friends: a tap away, at the top of the screen, not below the whole feed.
    await friendsTab.click();
    assert.not.ok(await phonePage.locator('#feed').isVisible(), 'the feed steps aside');
    const search = await phonePage.getByPlaceholder('A first or last name').boundingBox();
    assert.ok(search && search.y < phone.height / 2, 'Find people is at the top');
    await phonePage.getByPlaceholder('A first or last name').fill('ben');
    await phonePage.locator('#people-results .person', { hasText: 'Ben Okafor' }).getByRole('button', { name: 'Add friend' }).click();
    await phonePage.locator('#friends .person', { hasText: 'Ben Okafor' }).waitFor();
    assert.is(await overflow(), 0, 'the friends section fits');
    await screenshot(phonePage, 'web-phone-friends');

    await phonePage.locator('.tabs').getByRole('button', { name: 'Your posts' }).click();
    await phonePage.locator('#my-posts .post', { hasText: 'Ada, posting from her phone' }).waitFor();
    await assertTimed(phonePage, '#my-posts');
    assert.is(await overflow(), 0, 'your posts fit');
    await screenshot(phonePage, 'web-phone-your-posts');
  });

  test('a page that was away resumes from its last post: what was posted meanwhile arrives over the socket, in order (issue 12)', async () => {
    const [cleo, dan] = [await openPage('Cleo'), await openPage('Dan')];
    const cleoId = await registerIn(cleo, 'Cleo', 'Nkemelu');
    await registerIn(dan, 'Dan', 'Quaresma');
    await cleo.getByPlaceholder('A first or last name').fill('quares');
    await cleo.locator('#people-results .person', { hasText: 'Dan Quaresma' }).getByRole('button', { name: 'Add friend' }).click();
    await cleo.locator('#friends-status', { hasText: 'Dan Quaresma is now your friend.' }).waitFor();
    await cleo.locator('#live[data-state="live"]').waitFor();
    await postIn(dan, 'Dan, live while Cleo reads');
    await cleo.locator('#feed .post', { hasText: 'Dan, live while Cleo reads' }).waitFor();
    const cursor = await cleo.evaluate<string | null>(`localStorage.getItem('herald.cursor.${cleoId}')`);
    assert.ok(cursor, 'the page keeps the cursor of the last post it got');
    const appUrl = cleo.url();
    await cleo.goto('about:blank');
    await postIn(dan, 'Posted while Cleo was away, one');
    await postIn(dan, 'Posted while Cleo was away, two');
    const socket = cleo.waitForEvent('websocket');
    await cleo.goto(appUrl);
    const ws = await socket;
    assert.is(new URL(ws.url()).searchParams.get('since'), cursor, 'the page resumes from its cursor');
    const pushed: string[] = [];
    ws.on('framereceived', ({ payload }) => {
      const frame = JSON.parse(String(payload)) as { postText?: string };
      if (frame.postText) pushed.push(frame.postText);
    });
    await cleo.locator('#feed .post', { hasText: 'Posted while Cleo was away, two' }).waitFor();
    const deadline = Date.now() + 10_000;
    while (pushed.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(pushed, ['Posted while Cleo was away, one', 'Posted while Cleo was away, two'], 'missed posts come over the socket, once, in order');
    await screenshot(cleo, 'web-resumed-after-reload');
  });

  test('no page had a script error or a refused load', () => {
    assert.equal(problems, []);
  });

  test('a session logged out elsewhere signs the page out at once, through its live socket (issue 14)', async () => {
    const ben = browser?.contexts()[1]?.pages()[0];
    if (!ben) throw new Error('the pages of the first test are gone');
    await ben.locator('#live[data-state="live"]').waitFor();
    // The page keeps its session in session storage (public/api.js).
    const stored = await ben.evaluate<string | null>('sessionStorage.getItem("herald.session")');
    const { token } = JSON.parse(stored ?? '{}') as { token?: string };
    const loggedOut = await fetch(`${herald().apiUrl}/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.is(loggedOut.status, 200);
    // The page makes no request meanwhile: the notifier's 4001 is what tells it.
    await ben.locator('#signed-out').waitFor();
    await ben.locator('#flash', { hasText: 'Your session has ended' }).waitFor();
    assert.equal(problems, [], 'no script errors or refused loads');
  });
}

test.run();
