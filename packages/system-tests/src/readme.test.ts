// The README's first session, run as a reader would run it: its shell block, verbatim,
// in bash against a running Herald (the processes `make up` starts, here on free ports;
// the block reads the command API's address from API).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { skipBecause } from '@herald/kit/testing';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HeraldSystem } from './testing/system.js';
import { startSystem } from './testing/system.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** A bound for a hung session, so the file ends; not a claim about speed. */
const sessionBoundMs = 180_000;

/** The shell block between the first-session markers of README.md. */
function firstSession(readme: string): string {
  const marked = /<!-- first-session:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- first-session:end -->/.exec(readme);
  if (!marked?.[1]) throw new Error('README.md has no ```sh block between <!-- first-session:begin --> and <!-- first-session:end -->');
  return marked[1];
}

function run(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), sessionBoundMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tools = ['bash', 'curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);

let system: HeraldSystem | undefined;

if (tools.length > 0) {
  skipBecause({ skip: (name: string) => test.skip(name) }, "the README's first session runs as written", `${tools.join(', ')} missing (apt-get install ${tools.join(' ')})`);
} else {
  test.before(async () => {
    system = await startSystem('readme');
  });

  test.after(async () => {
    await system?.stop();
  });

  test("the README's first session runs as written: ids, tokens, friend, search, post, feed and websocket", async () => {
    if (!system) throw new Error('the system did not start');
    const session = await run(firstSession(readFileSync(`${root}README.md`, 'utf8')), { API: system.apiUrl });
    const output = `--- stdout\n${session.stdout}--- stderr\n${session.stderr}`;
    assert.is(session.code, 0, output);
    const lines = session.stdout.trim().split('\n');
    const [ids, friendship, found, inFeed, live] = lines;
    assert.is(lines.length, 5, output);
    const [, ada, ben] = /^Ada is (\S+), Ben is (\S+)$/.exec(ids ?? '') ?? [];
    assert.ok(ada && ben, output);
    assert.is(friendship, '{}');
    assert.equal(JSON.parse(found ?? ''), { id: ben, first_name: 'Ben', second_name: 'Okafor' });
    const feedPost = JSON.parse(inFeed ?? '') as { text: string; author_user_id: string; created_at: string };
    assert.equal({ text: feedPost.text, author_user_id: feedPost.author_user_id }, { text: 'Hello, Ben!', author_user_id: ada });
    assert.ok(!Number.isNaN(Date.parse(feedPost.created_at)), 'the feed shows when the post was written');
    const pushed = JSON.parse(live ?? '') as { postId: string; postText: string; author_user_id: string };
    assert.equal({ postText: pushed.postText, author_user_id: pushed.author_user_id }, { postText: 'Hello, Ben!', author_user_id: ada });
  });
}

test.run();
