import { formatTime, fromNow } from './format';

/** A moment as people read it ("in 3 days"), with the exact time beside it and in `datetime`. */
export function Time({ iso, empty = '—', exact = false }: { iso: string | null | undefined; empty?: string; exact?: boolean }) {
  if (!iso) return <span class="muted">{empty}</span>;
  return (
    <time dateTime={iso} title={formatTime(iso)}>
      {exact ? `${formatTime(iso)} (${fromNow(iso)})` : fromNow(iso)}
    </time>
  );
}
