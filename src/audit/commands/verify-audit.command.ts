import { readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { AuditVerifier, KeptCheckpoint } from '../audit-verifier';
import { DATABASE_USAGE, fail, parseCommandLine, runCommand } from '../../commands/command-line';
import { DATE_TIME_EXAMPLE, parseDateTime } from '../../common/date-time';

const USAGE = `Usage: npm run audit:verify [-- [--from <date-time>] [--to <date-time>] | --checkpoints <file>]

Recomputes every hash of the audit chain and prints the result as JSON:
{ ok, checked, firstBrokenSeq?, reason?, anchorSeq, headSeq, headHash }. Exits 0 when the chain
holds, 1 when it is broken, 2 when it could not run. Needs a build (npm run build).

  --from <date-time>    verify from the first event at or after this RFC 3339 date-time (${DATE_TIME_EXAMPLE})
  --to <date-time>      up to the last event at or before it
  --checkpoints <file>  also check that the chain still leads to each checkpoint in the file, kept outside the
                        database: JSON lines, each a checkpoint of GET /v1/audit-events/checkpoints or an
                        audit.checkpoint webhook body (its \`jws\` is read). The result gains
                        checkpoints: { checked, beforeAnchor, firstMismatch? }; a mismatch exits 1.
  -h, --help            print this and exit

${DATABASE_USAGE}`;

/** `npm run audit:verify`: the chain check of `GET /v1/audit-events/verify`, for cron and alerts. */
const values = parseCommandLine(USAGE, { from: { type: 'string' }, to: { type: 'string' }, checkpoints: { type: 'string' } });
const from = values.from === undefined ? undefined : parseDateTime(values.from);
const to = values.to === undefined ? undefined : parseDateTime(values.to);
if ((values.from !== undefined && !from) || (values.to !== undefined && !to)) {
  fail(`--from and --to must be RFC 3339 date-times, such as ${DATE_TIME_EXAMPLE}\n\n${USAGE}`);
}
if (values.checkpoints !== undefined && (from || to)) fail(`--checkpoints checks the whole chain: give it without --from and --to\n\n${USAGE}`);
const checkpoints = values.checkpoints === undefined ? undefined : readCheckpoints(values.checkpoints);

runCommand({ providers: [AuditVerifier] }, async (app) => {
  const verifier = app.get(AuditVerifier);
  const result = checkpoints ? await verifier.verifyAgainst(checkpoints) : await verifier.verify({ from, to });
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.ok ? 0 : 1;
});

/** Each non-empty line: an object with `jws` (a checkpoint) or `data.jws` (a webhook body); the signed claims are what counts. */
function readCheckpoints(file: string): KeptCheckpoint[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`--checkpoints: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const kept: KeptCheckpoint[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = index + 1;
    if (raw.trim() === '') continue;
    try {
      const parsed = JSON.parse(raw) as { jws?: unknown; data?: { jws?: unknown } };
      const jws = typeof parsed.jws === 'string' ? parsed.jws : parsed.data?.jws;
      if (typeof jws !== 'string') throw new Error('no jws');
      const claims = decodeJwt(jws) as Record<string, unknown>;
      if (typeof claims.seq !== 'string' || !/^\d{1,19}$/.test(claims.seq) || typeof claims.hash !== 'string') throw new Error('not a checkpoint');
      kept.push({ seq: claims.seq, hash: claims.hash, signedAt: String(claims.signedAt ?? ''), line });
    } catch (error) {
      fail(`--checkpoints: line ${line} of ${file} is not a checkpoint (${(error as Error).message})`);
    }
  }
  if (kept.length === 0) fail(`--checkpoints: ${file} holds no checkpoint`);
  return kept;
}
