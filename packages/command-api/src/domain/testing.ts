import * as assert from 'uvu/assert';
import type { HeraldEvent } from '@herald/contracts';
import type { Decider } from './decider.js';
import { CommandRefused, type RefusalReason } from './refusals.js';

/**
 * Given-when-then for a decider, with no database: `given` past events, `when` a
 * command, `then` the events it decides, or `thenRefuses` with a named reason.
 */
export function specFor<State, Command, Event extends HeraldEvent>(decider: Decider<State, Command, Event>) {
  return (given: readonly Event[]) => ({
    when: (command: Command) => {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState));
      return {
        then: (expected: readonly Event[]) => assert.equal(run(), expected),
        thenRefuses: (reason: RefusalReason) => {
          try {
            run();
          } catch (thrown) {
            assert.instance(thrown, CommandRefused);
            assert.is((thrown as CommandRefused).reason, reason);
            return;
          }
          assert.unreachable(`expected the command to be refused with ${reason}`);
        },
      };
    },
  });
}
