import { userStream } from '@herald/contracts';
import type Router from '@koa/router';
import { userDecider } from '../../domain/user.js';
import { HeraldError } from '../../errors.js';
import { handleCommand, readState } from '../../pipeline.js';
import { verifyPassword } from '../../sessions/password.js';
import { requireUser } from '../auth.js';
import type { HeraldContext, HeraldState } from '../context.js';
import { awaitRequestedPosition, readModel } from '../read-side.js';
import { idempotent, newEntityId, pipelineOptions } from '../idempotency.js';
import { commandAnswered } from '../respond.js';
import type { Services } from '../services.js';
import { parse } from '../validation.js';

export function userRoutes(router: Router<HeraldState>, services: Services): void {
  const { store, schemas, sessions, loginLimiter, registrationLimiter, passwordWork, readModels } = services;

  router.post('/user/register', idempotent(services.idempotency, 'anonymous'), async (ctx) => {
    const input = parse(schemas.register, ctx.request.body, 'body');
    await registrationLimiter.count(ctx.ip);
    const passwordHash = await passwordWork.run(ctx.ip, () => services.hashPassword(input.password));
    const userId = newEntityId(ctx, services);
    const outcome = await handleCommand(store, userDecider, userStream(userId), {
      type: 'RegisterUser',
      data: {
        userId,
        firstName: input.first_name,
        secondName: input.second_name,
        birthdate: input.birthdate,
        biography: input.biography,
        city: input.city,
        passwordHash,
      },
      metadata: { now: services.clock(), requestId: ctx.state.requestId },
    }, pipelineOptions(ctx, services, { freshStream: true }));
    commandAnswered(ctx, outcome.position, { user_id: userId });
  });

  // Decided against the user's own stream, not a read model: a user can log in the
  // moment registration answers. The attempt is reserved with the limiter before
  // scrypt runs: a wrong password or an unknown user counts as a failure.
  router.post('/login', async (ctx: HeraldContext) => {
    const { id, password } = parse(schemas.login, ctx.request.body, 'body');
    const verdict = await loginLimiter.attempt(id, ctx.ip, async () => {
      const user = await readState(store, userDecider, userStream(id));
      if (user.status !== 'registered') return 'no_such_user' as const;
      const matches = await passwordWork.run(ctx.ip, () => verifyPassword(password, user.passwordHash));
      return matches ? ('ok' as const) : ('wrong_password' as const);
    }, (outcome) => outcome === 'ok');
    if (verdict === 'no_such_user') throw new HeraldError('user_not_found', `user ${id} not found`);
    if (verdict === 'wrong_password') throw new HeraldError('invalid_credentials');
    ctx.body = { token: await sessions.create(id) };
  });

  router.post('/logout', async (ctx) => {
    await sessions.revoke(requireUser(ctx).token);
    ctx.body = {};
  });

  router.get('/user/get/:id', async (ctx) => {
    const { id } = parse(schemas.userParams, ctx.params, 'id');
    await awaitRequestedPosition(ctx, services);
    const user = await readModel(() => readModels.getUser(id));
    if (user === null) throw new HeraldError('user_not_found', `user ${id} not found`);
    ctx.body = user;
  });

  router.get('/user/search', async (ctx) => {
    const query = parse(schemas.search, ctx.query, 'query');
    await awaitRequestedPosition(ctx, services);
    ctx.body = await readModel(() => readModels.searchUsers(query.first_name ?? '', query.last_name ?? '', services.searchLimit));
  });
}
