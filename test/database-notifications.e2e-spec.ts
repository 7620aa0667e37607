import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, TestDatabase } from './support/database';
import { TEST_NODE_FLAGS } from './support/processes';

const ROOT = resolve(__dirname, '..');

/**
 * Listens on several channels and notifies each, all at once, with the built class in a process
 * of its own (Jest's CommonJS runtime cannot load Nest's ES modules) that a deprecation stops.
 */
const CONCURRENT_LISTENERS = `
const { DatabaseNotifications } = require(${JSON.stringify(join(ROOT, 'dist', 'src', 'database', 'database-notifications'))});
(async () => {
  const notifications = new DatabaseNotifications(process.env.DATABASE_URL);
  const channels = ['first_channel', 'second_channel', 'third_channel', 'fourth_channel'];
  const received = [];
  await Promise.all(channels.map((channel) => notifications.listen(channel, (payload) => received.push(channel + ':' + payload))));
  await Promise.all(channels.map((channel) => notifications.notify(channel, 'hello')));
  const deadline = Date.now() + 5000;
  while (received.length < channels.length && Date.now() < deadline) await new Promise((resolveWait) => setTimeout(resolveWait, 20));
  await notifications.onApplicationShutdown();
  console.log(JSON.stringify(received.sort()));
})();
`;

describe('the LISTEN connection', () => {
  let database: TestDatabase;

  beforeAll(async () => (database = await createTestDatabase()));
  afterAll(() => database.drop());

  it('sends one query at a time on its one client, however many listen and notify at once', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [...TEST_NODE_FLAGS, '-e', CONCURRENT_LISTENERS], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: database.url },
    });
    expect(JSON.parse(stdout)).toEqual(['first_channel:hello', 'fourth_channel:hello', 'second_channel:hello', 'third_channel:hello']);
  });
});
