import { skipBecause } from '@herald/kit/testing';
import { suite, type Test } from 'uvu';
import type { EventStore } from '../port.js';
import { appendingCases } from './contract-append.js';
import { badInputCases } from './contract-bad-input.js';
import { readingCases } from './contract-read.js';
import { subscribingCases } from './contract-subscribe.js';

/** The size limit every adapter under contract is opened with, so tests stay small. */
export const contractMaxEventBytes = 4096;

export type MakeStore = (options: { readonly maxEventBytes: number }) => Promise<EventStore>;

/** The store under test, opened before a suite's first case and closed after its last. */
export class StoreHolder {
  private opened: EventStore | undefined;
  constructor(private readonly make: MakeStore) {}
  get store(): EventStore {
    if (!this.opened) throw new Error('store not opened');
    return this.opened;
  }
  async open(): Promise<void> {
    this.opened = await this.make({ maxEventBytes: contractMaxEventBytes });
  }
  async close(): Promise<void> {
    await this.opened?.close();
    this.opened = undefined;
  }
}

export type ContractCases = (test: Test, holder: StoreHolder) => void;

/**
 * Every behaviour the port promises, as one suite per theme, run against an adapter.
 * Each adapter's test file calls this; an adapter that cannot run here registers the
 * same suites as skipped with its reason instead.
 */
const themes: readonly [string, ContractCases][] = [
  ['append', appendingCases],
  ['read', readingCases],
  ['subscribe', subscribingCases],
  ['bad input', badInputCases],
];

export function eventStoreContract(adapter: string, makeStore: MakeStore, finish?: () => Promise<void>): void {
  for (const [theme, cases] of themes) {
    const test = suite(`${adapter}: ${theme}`);
    const holder = new StoreHolder(makeStore);
    test.before(() => holder.open());
    test.after(async () => {
      await holder.close();
      if (theme === themes[themes.length - 1]?.[0]) await finish?.();
    });
    cases(test, holder);
    test.run();
  }
}

/** Registers every case of the contract as skipped, each printing why. */
export function skippedEventStoreContract(adapter: string, reason: string): void {
  for (const [theme, cases] of themes) {
    const test = suite(`${adapter}: ${theme}`);
    const skip = (name: string | undefined) => skipBecause({ skip: (title: string) => test.skip(title) }, `${adapter}: ${name ?? ''}`, reason);
    const noHook = Object.assign(() => undefined, { each: () => undefined });
    const skipping: Test = Object.assign((name: string) => skip(name), {
      only: skip,
      skip,
      before: noHook,
      after: noHook,
      run: () => test.run(),
    });
    cases(skipping, new StoreHolder(() => Promise.reject(new Error(reason))));
    test.run();
  }
}
