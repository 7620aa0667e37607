import { WEBHOOK_EVENT_TYPES as CONSOLE_EVENT_TYPES } from '../../console/src/api/types';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-types';

// The console is bundled on its own and keeps its copy of the list; this keeps the two the same.
describe('webhook event types', () => {
  it('are the same in the console as in the broker', () => {
    expect([...CONSOLE_EVENT_TYPES]).toEqual([...WEBHOOK_EVENT_TYPES]);
  });
});
