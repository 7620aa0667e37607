import type { CredentialBudget, CredentialLogins, LoginMinute } from '../api/types';
import { Badge, Tone } from './badges';
import { formatTime } from './format';
import { DefinitionList } from './layout';
import { Time } from './time';

/** The budget's state in a word: a 429's pause and a back-off first, then tokens at risk, then a spent window. */
export function budgetState(budget: CredentialBudget, now = Date.now()): { tone: Tone; text: string } {
  if (budget.pausedUntil && Date.parse(budget.pausedUntil) > now) return { tone: 'bad', text: 'paused (429)' };
  if (budget.backingOffUntil && Date.parse(budget.backingOffUntil) > now) return { tone: 'bad', text: 'backing off' };
  if (budget.tokensAtRisk > 0) return { tone: 'warn', text: `${budget.tokensAtRisk} at risk` };
  if (budget.usedInWindow >= budget.limitPerMinute) return { tone: 'warn', text: 'spent this minute' };
  return { tone: 'ok', text: 'slots free' };
}

function usedTone(budget: CredentialBudget): Tone {
  const share = budget.usedInWindow / budget.limitPerMinute;
  return share >= 1 ? 'bad' : share >= 0.7 ? 'warn' : 'ok';
}

/** A bar of the window's logins out of the limit, in SVG (no chart library); its words are beside it and in its label. */
function Bar({ budget, width, height }: { budget: CredentialBudget; width: number; height: number }) {
  const used = Math.min(1, budget.usedInWindow / budget.limitPerMinute);
  return (
    <svg class="gauge-bar" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true" focusable="false">
      <rect class="gauge-track" x="0" y="0" width={width} height={height} rx="3" />
      <rect class={`gauge-fill gauge-${usedTone(budget)}`} x="0" y="0" width={Math.round(width * used)} height={height} rx="3" />
      {Array.from({ length: budget.limitPerMinute - 1 }, (_, i) => {
        const x = Math.round(((i + 1) * width) / budget.limitPerMinute);
        return budget.limitPerMinute <= 30 ? <line class="gauge-tick" key={x} x1={x} x2={x} y1="0" y2={height} /> : null;
      })}
    </svg>
  );
}

/** The budget in a table cell: used of limit, a small bar, and what stops logins if anything does. */
export function BudgetCell({ budget }: { budget: CredentialBudget | undefined }) {
  if (!budget) return <span class="muted">—</span>;
  const state = budgetState(budget);
  return (
    <div class="budget-cell">
      <span class="budget-figure">
        {budget.usedInWindow}/{budget.limitPerMinute}
        <span class="visually-hidden"> logins used this minute</span>
      </span>
      <Bar budget={budget} width={64} height={10} />
      <Badge tone={state.tone}>{state.text}</Badge>
    </div>
  );
}

/** The budget of one client ID as a gauge: the window's logins of the limit, then what waits and what is at risk. */
export function BudgetGauge({ budget }: { budget: CredentialBudget }) {
  const state = budgetState(budget);
  const now = Date.now();
  const free = Date.parse(budget.nextSlotAt) <= now + 1000;
  const paused = budget.pausedUntil !== null && Date.parse(budget.pausedUntil) > now;
  const backingOff = budget.backingOffUntil !== null && Date.parse(budget.backingOffUntil) > now;
  return (
    <div class="gauge" data-testid="budget-gauge">
      <p class="gauge-headline">
        <strong class="gauge-figure">
          {budget.usedInWindow} of {budget.limitPerMinute}
        </strong>{' '}
        logins used this minute <Badge tone={state.tone}>{state.text}</Badge>
      </p>
      <div role="img" aria-label={`${budget.usedInWindow} of ${budget.limitPerMinute} logins used in the last 61 seconds`}>
        <Bar budget={budget} width={320} height={16} />
      </div>
      <DefinitionList
        items={[
          ['Next slot', free ? 'free now' : <Time iso={budget.nextSlotAt} exact />],
          [
            'Paused (429)',
            paused ? (
              <>
                <Badge tone="bad">paused</Badge> until <Time iso={budget.pausedUntil} exact />
                {budget.pausedRetryAfterSeconds !== null && <> (MyInvois said Retry-After {budget.pausedRetryAfterSeconds} s)</>}
              </>
            ) : (
              'no'
            ),
          ],
          [
            'Back-off',
            backingOff ? (
              <>
                <Badge tone="bad">backing off</Badge> until <Time iso={budget.backingOffUntil} exact />, after {budget.consecutiveFailures} failure
                {budget.consecutiveFailures === 1 ? '' : 's'} in a row
              </>
            ) : budget.consecutiveFailures > 0 ? (
              `${budget.consecutiveFailures} failure${budget.consecutiveFailures === 1 ? '' : 's'} in a row; the next login is the probe`
            ) : (
              'no: MyInvois answers'
            ),
          ],
          ['Renewals under way', budget.renewalsInProgress],
          ['Tokens in use', budget.tokensInUse],
          [
            'Tokens at risk',
            budget.tokensAtRisk > 0 ? (
              <>
                <Badge tone="warn">{budget.tokensAtRisk} at risk</Badge> the budget cannot renew them before they expire: raise the limit if MyInvois allows it,
                or spread the tenants over more client IDs
              </>
            ) : (
              <Badge tone="ok">none</Badge>
            ),
          ],
        ]}
      />
    </div>
  );
}

const CHART = { width: 640, height: 200, left: 32, bottom: 24, top: 10 };

function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Logins per minute over the last hour as stacked SVG bars, the limit as a line; a table says the same in words. */
export function LoginsChart({ logins }: { logins: CredentialLogins }) {
  const { minutes, limitPerMinute } = logins;
  const total = minutes.reduce((sum, minute) => sum + minute.logins, 0);
  const busiest = minutes.reduce<LoginMinute | undefined>((top, minute) => (minute.logins > (top?.logins ?? 0) ? minute : top), undefined);
  const scale = Math.max(limitPerMinute, busiest?.logins ?? 0, 1);
  const plotWidth = CHART.width - CHART.left;
  const plotHeight = CHART.height - CHART.bottom - CHART.top;
  const slot = plotWidth / Math.max(minutes.length, 1);
  const y = (value: number) => CHART.top + plotHeight - (value / scale) * plotHeight;
  const summary =
    total === 0
      ? `No logins in the last hour; the limit is ${limitPerMinute} a minute.`
      : `${total} login${total === 1 ? '' : 's'} in the last hour; the busiest minute, ${clock(busiest!.minute)}, had ${busiest!.logins}; the limit is ${limitPerMinute} a minute.`;
  const busy = minutes.filter((minute) => minute.logins > 0);
  return (
    <figure class="chart" data-testid="logins-chart">
      <svg viewBox={`0 0 ${CHART.width} ${CHART.height}`} role="img" aria-label={`Logins per minute over the last hour. ${summary}`}>
        <line class="chart-axis" x1={CHART.left} x2={CHART.width} y1={y(0)} y2={y(0)} />
        <text class="chart-label" x={CHART.left - 4} y={y(0) + 4} text-anchor="end">
          0
        </text>
        <text class="chart-label" x={CHART.left - 4} y={y(scale) + 8} text-anchor="end">
          {scale}
        </text>
        {minutes.map((minute, i) => {
          const x = CHART.left + i * slot + 1;
          const width = Math.max(1, slot - 2);
          return (
            <g key={minute.minute}>
              <title>{`${clock(minute.minute)}: ${minute.logins} (${minute.onDemand} on demand, ${minute.refresh} renewals)`}</title>
              {minute.refresh > 0 && <rect class="chart-refresh" x={x} y={y(minute.refresh)} width={width} height={y(0) - y(minute.refresh)} />}
              {minute.onDemand > 0 && <rect class="chart-demand" x={x} y={y(minute.logins)} width={width} height={y(minute.refresh) - y(minute.logins)} />}
            </g>
          );
        })}
        <line class="chart-limit" x1={CHART.left} x2={CHART.width} y1={y(limitPerMinute)} y2={y(limitPerMinute)} />
        <text class="chart-label chart-limit-label" x={CHART.width - 2} y={y(limitPerMinute) - 3} text-anchor="end">
          limit {limitPerMinute}/min
        </text>
        {minutes.length > 0 && (
          <>
            <text class="chart-label" x={CHART.left} y={CHART.height - 6}>
              {clock(minutes[0].minute)}
            </text>
            <text class="chart-label" x={CHART.width} y={CHART.height - 6} text-anchor="end">
              now
            </text>
          </>
        )}
      </svg>
      <figcaption>
        <span class="legend legend-demand">on demand</span> <span class="legend legend-refresh">renewals</span> <span class="legend legend-limit">limit</span>
        <span class="chart-summary">{summary}</span>
      </figcaption>
      {busy.length > 0 && (
        <details class="chart-table">
          <summary>The minutes with logins, as a table</summary>
          <table>
            <caption class="visually-hidden">Logins per minute over the last hour, minutes without logins left out</caption>
            <thead>
              <tr>
                <th scope="col">Minute</th>
                <th scope="col" class="col-number">
                  Logins
                </th>
                <th scope="col" class="col-number">
                  On demand
                </th>
                <th scope="col" class="col-number">
                  Renewals
                </th>
              </tr>
            </thead>
            <tbody>
              {busy.map((minute) => (
                <tr key={minute.minute}>
                  <td>
                    <time dateTime={minute.minute} title={formatTime(minute.minute)}>
                      {clock(minute.minute)}
                    </time>
                  </td>
                  <td class="col-number">{minute.logins}</td>
                  <td class="col-number">{minute.onDemand}</td>
                  <td class="col-number">{minute.refresh}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
