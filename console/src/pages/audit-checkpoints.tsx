import { audit } from '../api/broker';
import type { AuditCheckpoint } from '../api/types';
import { useLoad } from '../hooks';
import { EmptyState, LoadState, Section } from '../ui/layout';
import { DataTable } from '../ui/table';
import { Time } from '../ui/time';

/** The latest signed checkpoints of the chain: what receivers outside the database keep. */
export function LatestCheckpoints() {
  const loaded = useLoad(() => audit.checkpoints({ limit: 5 }), []);
  return (
    <Section title="Latest checkpoints" id="checkpoints">
      <LoadState loaded={loaded} what="checkpoints">
        {(page) => (
          <DataTable<AuditCheckpoint>
            caption="Signed checkpoints of the audit chain, newest first"
            rows={page.items}
            rowKey={(checkpoint) => checkpoint.seq + checkpoint.signedAt}
            columns={[
              { header: 'Signed', cell: (checkpoint) => <Time iso={checkpoint.signedAt} /> },
              { header: 'Head seq', kind: 'number', cell: (checkpoint) => checkpoint.seq },
              { header: 'Hash', kind: 'code', cell: (checkpoint) => `${checkpoint.hash.slice(0, 16)}…` },
              { header: 'Key', kind: 'code', cell: (checkpoint) => `${checkpoint.kid.slice(0, 12)}…` },
            ]}
            empty={<EmptyState title="No checkpoint yet.">One replica signs the chain's head every AUDIT_CHECKPOINT_MINUTES.</EmptyState>}
          />
        )}
      </LoadState>
    </Section>
  );
}
