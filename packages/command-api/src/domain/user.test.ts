import { test } from 'uvu';
import type { UserRegistered } from '@herald/contracts';
import type { RegisterUser } from './user.js';
import { userDecider } from './user.js';
import { specFor } from './testing.js';

const spec = specFor(userDecider);
const now = new Date('2026-03-01T10:00:00.000Z');
const data = {
  userId: '01890a5d-ac96-774b-bcce-b302099a8057',
  firstName: 'Ada',
  secondName: 'Lovelace',
  birthdate: '1815-12-10',
  biography: 'numbers',
  city: 'London',
  passwordHash: 'scrypt$15$8$1$c2FsdA$aGFzaA',
};
const register = (overrides: Partial<RegisterUser['data']> = {}): RegisterUser => ({
  type: 'RegisterUser',
  data: { ...data, ...overrides },
  metadata: { now, requestId: 'req-1' },
});
const registered: UserRegistered = {
  type: 'UserRegistered',
  data,
  metadata: { schemaVersion: 1, occurredAt: now.toISOString(), requestId: 'req-1' },
};

test('a new user registers with the clock and request of the command', () => {
  spec([]).when(register()).then([registered]);
});

test('a user id registers only once', () => {
  spec([registered]).when(register()).thenRefuses('user_already_registered');
});

test('a birthdate of today is refused: it must lie in the past', () => {
  spec([]).when(register({ birthdate: '2026-03-01' })).thenRefuses('birthdate_not_in_past');
});

test('a birthdate of yesterday is accepted', () => {
  const yesterday = { ...data, birthdate: '2026-02-28' };
  spec([]).when(register({ birthdate: '2026-02-28' })).then([{ ...registered, data: yesterday }]);
});

test.run();
