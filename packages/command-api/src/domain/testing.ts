import * as assert from 'uvu/assert';
import type { HeraldEvent } from '@herald/contracts';
import { HeraldError } from '../errors.js';
import type { ErrorName } from '../errors.js';
import type { Decider } from './decider.js';

/**
 * Given-when-then for a decider, with no database: `given` past events, `when` a
 * command, `then` the events it decides, or `thenRefuses` with a named error.
 */
export function specFor<State, Command, Event extends HeraldEvent>(decider: Decider<State, Command, Event>) {
  return (given: readonly Event[]) => ({
    when: (command: Command) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState));
      return {
        then: (expected: readonly Event[]) => assert.equal(run(), expected),
        thenRefuses: (error: ErrorName) => {
          try {
            run();
          } catch (thrown) {
            assert.instance(thrown, HeraldError);
            assert.is((thrown as HeraldError).error, error);
            return;
          }
          assert.unreachable(`expected the command to be refused with ${error}`);
        },
      };
    },
  });
}
