import { AuditVerifier } from '../audit-verifier';
import { DATABASE_USAGE, fail, parseCommandLine, runCommand } from '../../cli';
import { DATE_TIME_EXAMPLE, parseDateTime } from '../../common/date-time';

const USAGE = `Usage: npm run audit:verify [-- [--from <date-time>] [--to <date-time>]]

Recomputes every hash of the audit chain and prints the result as JSON:
{ ok, checked, firstBrokenSeq?, reason?, anchorSeq, headSeq, headHash }. Exits 0 when the chain
holds, 1 when it is broken, 2 when it could not run. Needs a build (npm run build).

  --from <date-time>  verify from the first event at or after this RFC 3339 date-time (${DATE_TIME_EXAMPLE})
  --to <date-time>    up to the last event at or before it
  -h, --help          print this and exit

${DATABASE_USAGE}`;

/** `npm run audit:verify`: the chain check of `GET /v1/audit-events/verify`, for cron and alerts. */
const values = parseCommandLine(USAGE, { from: { type: 'string' }, to: { type: 'string' } });
const from = values.from === undefined ? undefined : parseDateTime(values.from);
const to = values.to === undefined ? undefined : parseDateTime(values.to);
if ((values.from !== undefined && !from) || (values.to !== undefined && !to)) {
  fail(`--from and --to must be RFC 3339 date-times, such as ${DATE_TIME_EXAMPLE}\n\n${USAGE}`);
}

runCommand({ providers: [AuditVerifier] }, async (app) => {
  const result = await app.get(AuditVerifier).verify({ from, to });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
});
