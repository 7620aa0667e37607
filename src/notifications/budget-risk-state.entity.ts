import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The budget forecast last notified for a credential (its client ID), so that only a change is sent. */
@Entity({ name: 'budget_risk_states' })
export class BudgetRiskState {
  @PrimaryColumn({ type: 'uuid' })
  credentialId!: string;

  @Column({ type: 'integer' })
  tokensAtRisk!: number;

  @Column({ type: 'timestamptz', precision: 3 })
  changedAt!: Date;
}
