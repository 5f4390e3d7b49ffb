import { friendshipStream, userStream } from '@herald/contracts';
import type Router from '@koa/router';
import type { FriendshipCommand } from '../../domain/friendship.js';
import { friendshipDecider } from '../../domain/friendship.js';
import { handleCommand, streamExists } from '../../pipeline.js';
import { requireUser } from '../auth.js';
import type { HeraldContext, HeraldState } from '../context.js';
import { idempotent, pipelineOptions } from '../idempotency.js';
import { awaitRequestedPosition, readModel } from '../read-side.js';
import { commandAnswered } from '../respond.js';
import type { Services } from '../services.js';
import { parse } from '../validation.js';

export function friendRoutes(router: Router<HeraldState>, services: Services): void {
  const { store, schemas, readModels } = services;

  async function changeFriendship(ctx: HeraldContext, type: FriendshipCommand['type']): Promise<void> {
    const { userId } = requireUser(ctx);
    const { user_id: friendId } = parse(schemas.friendParams, ctx.params, 'user_id');
    // Users are never deleted, so a user stream that exists now exists for good: reading
    // it outside the friendship's stream leaves no race.
    const friendRegistered = userId === friendId || (await streamExists(store, userStream(friendId)));
    const command: FriendshipCommand = {
      type,
      data: { userId, friendId, friendRegistered },
      metadata: { now: services.clock(), requestId: ctx.state.requestId },
    };
    const outcome = await handleCommand(store, friendshipDecider, friendshipStream(userId, friendId), command, pipelineOptions(ctx, services));
    commandAnswered(ctx, outcome.position, {});
  }

  const keyed = idempotent(services.idempotency, 'user');
  router.put('/friend/set/:user_id', keyed, (ctx) => changeFriendship(ctx, 'AddFriend'));
  router.put('/friend/delete/:user_id', keyed, (ctx) => changeFriendship(ctx, 'RemoveFriend'));

  // Herald's extension: the caller's friends, as OTUS Users ordered by name.
  router.get('/friend/list', async (ctx) => {
    const { userId } = requireUser(ctx);
    await awaitRequestedPosition(ctx, services);
    ctx.body = await readModel(() => readModels.listFriends(userId));
  });
}
