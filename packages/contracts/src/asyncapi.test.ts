import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pushedFrame } from './history.js';
import { postNotificationSchema } from './notification.js';

// Herald's AsyncAPI document against the frames the notifier builds (contracts' pushedFrame):
// each message names exactly the fields its frame has, and its `type`.
const document = JSON.parse(readFileSync(new URL('../asyncapi/herald-asyncapi.json', import.meta.url), 'utf8')) as {
  channels: Record<string, { bindings: { ws: { query: { properties: Record<string, { enum?: string[] }> } } } }>;
  components: { messages: Record<string, { payload: { required: string[]; properties: Record<string, { const?: string }> } }> };
};
const delivery = { eventId: 'e', position: '0000000000000001-0000000000000002', recipients: ['r'], part: 0, parts: 1 };
const post = { postId: 'p', postText: 't', author_user_id: 'a' };

test('each frame the notifier sends has exactly the fields its AsyncAPI message requires, and its type', () => {
  const frames = {
    Post: pushedFrame(postNotificationSchema.parse({ ...delivery, kind: 'post.created', payload: post })),
    PostUpdated: pushedFrame(postNotificationSchema.parse({ ...delivery, kind: 'post.updated', payload: post })),
    PostDeleted: pushedFrame(postNotificationSchema.parse({ ...delivery, kind: 'post.deleted', payload: { postId: 'p', author_user_id: 'a' } })),
  };
  for (const [name, frame] of Object.entries(frames)) {
    const message = document.components.messages[name];
    assert.ok(message, `${name} is in the document`);
    assert.equal(Object.keys(frame).sort(), [...message.payload.required].sort(), name);
    assert.is((frame as { type?: string }).type, message.payload.properties.type?.const, `${name}'s type`);
  }
});

test('the opt-in to edits and deletes is documented on the channel', () => {
  const query = document.channels['/post/feed/posted']?.bindings.ws.query.properties;
  assert.equal(query?.changes?.enum, ['1', 'true', '0', 'false']);
});

test.run();
