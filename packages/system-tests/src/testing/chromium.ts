// Debian's headless Chromium for the page's browser test: found, or installed when
// this machine can (root and apt-get), else the reason it is not there.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Undefined when Chromium is (now) at chromiumPath; otherwise why it is not. */
export function ensureChromium(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  if (process.getuid?.() !== 0) return `${chromiumPath} is missing and installing it needs root (apt-get install -y chromium)`;
  if (spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) return `${chromiumPath} is missing and apt-get is not available to install it`;
  console.log(`${chromiumPath} is missing: apt-get install -y chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { env, stdio: 'inherit', timeout: 600_000 });
  if (install().status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit', timeout: 300_000 });
    install();
  }
  return existsSync(chromiumPath) ? undefined : `${chromiumPath} is missing and apt-get install -y chromium did not provide it`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}
