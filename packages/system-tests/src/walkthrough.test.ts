// The walkthrough a person follows after `make run`, over HTTP and websockets against
// the real processes (command-api, projector, two notifiers), in the order they would.
// Each test builds on the one before, as the walkthrough does.
import type { PushedPost } from '@herald/contracts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { call, type Answer } from '@herald/kit/testing';
import type { Device } from './testing/client.js';
import { openDevice, positionOf, readWithRetry } from './testing/client.js';
import type { HeraldProcess, HeraldSystem } from './testing/system.js';
import { startSystem } from './testing/system.js';

interface Person {
  readonly name: string;
  id: string;
  token: string;
  readonly devices: Device[];
  readonly posts: PushedPost[];
}

let system: HeraldSystem | undefined;
let secondNotifier: HeraldProcess | undefined;
// Commands run one after another, so the last one's position covers all before it.
let lastPosition: string | null = null;
const person = (name: string): Person => ({ name, id: '', token: '', devices: [], posts: [] });
const ada = person('Ada');
const ben = person('Ben');
const cleo = person('Cleo');

function herald(): HeraldSystem {
  if (!system) throw new Error('the system did not start');
  return system;
}

/** A command that must succeed; remembers its position for the reads after it. */
async function command(who: Person, method: string, path: string, body?: unknown): Promise<Answer> {
  const answer = await call(herald().apiUrl, method, path, { token: who.token, json: body });
  assert.is(answer.status, 200, `${who.name} ${method} ${path}: ${JSON.stringify(answer.body)}\n${herald().logs()}`);
  const position = positionOf(answer);
  assert.ok(position, `${method} ${path} answers X-Herald-Position`);
  lastPosition = position;
  return answer;
}

/** A read that sees every command made so far (read-your-writes via X-Herald-Position). */
async function read(who: Person, path: string): Promise<Answer> {
  return readWithRetry(herald().apiUrl, path, { token: who.token, position: lastPosition });
}

async function post(author: Person, text: string): Promise<PushedPost> {
  const answer = await command(author, 'POST', '/post/create', { text });
  const { body } = answer;
  const position = positionOf(answer);
  assert.type(body, 'string', 'POST /post/create answers the post id');
  // Pushed with its cursor: the post's log position, which the command answered.
  const message = { postId: String(body), postText: text, author_user_id: author.id, cursor: String(position) };
  author.posts.push(message);
  return message;
}

/** A post as OTUS has it: Herald's created_at set aside (each post must carry one). */
function otusPost(post: unknown): unknown {
  const { created_at: createdAt, ...otus } = post as Record<string, unknown>;
  assert.type(createdAt, 'string', 'a post carries created_at');
  return otus;
}

async function feedOf(who: Person): Promise<unknown> {
  const answer = await read(who, '/post/feed?offset=0&limit=50');
  assert.is(answer.status, 200);
  return (answer.body as unknown[]).map(otusPost);
}

/** Feed entries as the API shows them, newest first. */
const asFeed = (messages: readonly PushedPost[]) =>
  [...messages].reverse().map((m) => ({ id: m.postId, text: m.postText, author_user_id: m.author_user_id }));

const byId = (messages: readonly PushedPost[]) => [...messages].sort((a, b) => a.postId.localeCompare(b.postId));

async function register(who: Person, city: string): Promise<void> {
  const profile = { first_name: who.name, second_name: 'Walker', birthdate: '1990-04-01', biography: 'follows the walkthrough', city, password: `${who.name}-secret-1` };
  const registered = await call(herald().apiUrl, 'POST', '/user/register', { json: profile });
  assert.is(registered.status, 200, JSON.stringify(registered.body));
  who.id = (registered.body as { user_id: string }).user_id;
  lastPosition = positionOf(registered);
  const login = await call(herald().apiUrl, 'POST', '/login', { json: { id: who.id, password: profile.password } });
  assert.is(login.status, 200, JSON.stringify(login.body));
  who.token = (login.body as { token: string }).token;
  const profileRead = await read(who, `/user/get/${who.id}`);
  assert.equal(profileRead.body, { id: who.id, first_name: who.name, second_name: 'Walker', birthdate: '1990-04-01', biography: 'follows the walkthrough', city });
}

test.before(async () => {
  system = await startSystem('walkthrough');
});

test.after(async () => {
  for (const who of [ada, ben, cleo]) for (const device of who.devices) await device.close();
  await system?.stop();
});

test('the command API serves the web page at / and tells it where the notifier is', async () => {
  const page = await fetch(`${herald().apiUrl}/`);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', 'text/html');
  assert.match(page.headers.get('content-security-policy') ?? '', "script-src 'self'", 'the page runs only its own scripts');
  assert.match(await page.text(), '<title>Herald</title>');
  const config = await call(herald().apiUrl, 'GET', '/web/config.json');
  assert.equal(config.body, { notifierUrl: `ws://127.0.0.1:${herald().notifierPort}/post/feed/posted`, defaultNotifierPort: 8090 });
});

test('two people register and log in', async () => {
  await register(ada, 'Lisbon');
  await register(ben, 'Porto');
  assert.is.not(ada.id, ben.id);
});

test('Ada adds Ben as a friend', async () => {
  await command(ada, 'PUT', `/friend/set/${ben.id}`);
});

test('Ada opens two devices and Ben one, on the notifier', async () => {
  ada.devices.push(await openDevice(herald().notifierPort, ada.token), await openDevice(herald().notifierPort, ada.token));
  ben.devices.push(await openDevice(herald().notifierPort, ben.token));
});

test("every device gets each of the other's posts as {postId, postText, author_user_id}", async () => {
  for (let i = 1; i <= 3; i += 1) {
    await post(ada, `Ada's post number ${i}`);
    await post(ben, `Ben's post number ${i}: "quotes", <tags> & ünïcödé`);
  }
  for (const [index, device] of ada.devices.entries()) {
    const got = await device.waitFor(3, `Ada's device ${index + 1} to get Ben's 3 posts`);
    assert.equal(byId(got), byId(ben.posts), `Ada's device ${index + 1} gets exactly Ben's posts`);
  }
  const got = await ben.devices[0]!.waitFor(3, "Ben's device to get Ada's 3 posts");
  assert.equal(byId(got), byId(ada.posts), "Ben's device gets exactly Ada's posts");
});

test("/post/feed shows the friend's posts, newest first", async () => {
  assert.equal(await feedOf(ada), asFeed(ben.posts));
  assert.equal(await feedOf(ben), asFeed(ada.posts));
});

test('an update shows in the feed and in /post/get; only the author may change a post', async () => {
  const edited = ben.posts[1]!;
  await command(ben, 'PUT', '/post/update', { id: edited.postId, text: 'Ben, second thoughts' });
  edited.postText = 'Ben, second thoughts';
  assert.equal(await feedOf(ada), asFeed(ben.posts));
  assert.equal(otusPost((await read(ada, `/post/get/${edited.postId}`)).body), { id: edited.postId, text: 'Ben, second thoughts', author_user_id: ben.id });
  const foreignUpdate = await call(herald().apiUrl, 'PUT', '/post/update', { token: ada.token, json: { id: edited.postId, text: 'not mine' } });
  assert.is(foreignUpdate.status, 403);
  const foreignDelete = await call(herald().apiUrl, 'PUT', `/post/delete/${edited.postId}`, { token: ada.token });
  assert.is(foreignDelete.status, 403);
});

test('a deleted post leaves the feed and /post/get answers 404', async () => {
  const [deleted] = ben.posts.splice(0, 1);
  await command(ben, 'PUT', `/post/delete/${deleted!.postId}`);
  assert.equal(await feedOf(ada), asFeed(ben.posts));
  assert.is((await read(ada, `/post/get/${deleted!.postId}`)).status, 404);
});

test("a third user's devices on a second notifier process (and the first) get posts too", async () => {
  secondNotifier = await herald().addNotifier();
  await register(cleo, 'Faro');
  await command(cleo, 'PUT', `/friend/set/${ada.id}`);
  cleo.devices.push(await openDevice(secondNotifier.port, cleo.token), await openDevice(herald().notifierPort, cleo.token));
  const hello = await post(ada, 'Ada to all her friends');
  for (const [index, device] of cleo.devices.entries()) {
    assert.equal(await device.waitFor(1, `Cleo's device ${index + 1} to get Ada's post`), [hello]);
  }
  const benGot = await ben.devices[0]!.waitFor(4, "Ben's device to get Ada's fourth post");
  assert.equal(benGot[3], hello);
});

test('after an unfriend, nothing more arrives on either side; other friendships go on', async () => {
  await command(ada, 'PUT', `/friend/delete/${ben.id}`);
  await command(cleo, 'PUT', `/friend/set/${ben.id}`);
  const benAfter = await post(ben, 'Ben after the unfriend');
  const adaAfter = await post(ada, 'Ada after the unfriend');
  // Cleo's post reaches Ada and Ben after anything posted before it would have.
  const sentinel = await post(cleo, "Cleo's post to Ada and Ben");
  for (const [index, device] of ada.devices.entries()) {
    const got = await device.waitFor(4, `Ada's device ${index + 1} to get Cleo's post`);
    assert.equal(got[3], sentinel);
    assert.not.ok(got.some((m) => m.postId === benAfter.postId), `Ada's device ${index + 1} got Ben's post after the unfriend`);
  }
  const got = await ben.devices[0]!.waitFor(5, "Ben's device to get Cleo's post");
  assert.equal(got[4], sentinel);
  assert.not.ok(got.some((m) => m.postId === adaAfter.postId), "Ben's device got Ada's post after the unfriend");
  assert.equal(byId(await cleo.devices[0]!.waitFor(3, "Cleo's device to get Ada's and Ben's posts")), byId([ada.posts[3]!, benAfter, adaAfter]));
  assert.equal(await feedOf(ada), asFeed([sentinel]), "Ada's feed keeps only Cleo's post");
  assert.equal(await feedOf(ben), asFeed([sentinel]), "Ben's feed keeps only Cleo's post");
});

test.run();
