import { parseArgs } from 'node:util';
import { runCommand } from '../../cli';
import { AuditVerifier } from '../audit-verifier';
import { DATE_TIME_EXAMPLE, parseDateTime } from '../../common/date-time';

/**
 * `npm run audit:verify [-- --from <date-time> --to <date-time>]`: recomputes the audit chain,
 * prints the result as JSON, and exits 0 when it holds, 1 when it is broken (for cron/alerts).
 */
const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
const from = values.from === undefined ? undefined : parseDateTime(values.from);
const to = values.to === undefined ? undefined : parseDateTime(values.to);
if ((values.from !== undefined && !from) || (values.to !== undefined && !to)) {
  process.stderr.write(`--from and --to must be RFC 3339 date-times, such as ${DATE_TIME_EXAMPLE}\n`);
  process.exit(2);
}

runCommand({ providers: [AuditVerifier] }, async (app) => {
  const result = await app.get(AuditVerifier).verify({ from, to });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
});
