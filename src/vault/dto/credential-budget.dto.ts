import { ApiProperty } from '@nestjs/swagger';

/** A client ID's login budget as an operator looks at it first: what is spent, what waits, what is at risk. */
export class CredentialBudgetDto {
  @ApiProperty({ description: 'Logins a minute MyInvois allows this client ID (loginRatePerMinute)' })
  limitPerMinute!: number;

  @ApiProperty({ description: 'Logins in the current window (the last 61 s), by every replica' })
  usedInWindow!: number;

  @ApiProperty({ format: 'date-time', description: 'When the next login may go out by the window alone (now when a slot is free)' })
  nextSlotAt!: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'After a 429: no login before this' })
  pausedUntil!: string | null;

  @ApiProperty({ nullable: true, type: Number, description: 'The Retry-After (seconds) that 429 came with' })
  pausedRetryAfterSeconds!: number | null;

  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'After MyInvois failed: the next login attempt (one probe) is not before this',
  })
  backingOffUntil!: string | null;

  @ApiProperty({ description: "MyInvois's failures of this client ID in a row (0 once it answers)" })
  consecutiveFailures!: number;

  @ApiProperty({ description: 'Renewals under way: token keys whose lease a login holds right now' })
  renewalsInProgress!: number;

  @ApiProperty({ description: 'Tokens in use: the refresher keeps them fresh (used within REFRESH_ACTIVE_WINDOW_SECONDS, not expired)' })
  tokensInUse!: number;

  @ApiProperty({ description: "Of those, how many the refresher's forecast says the budget cannot renew before they expire" })
  tokensAtRisk!: number;
}

/** The logins of one minute. */
export class LoginMinuteDto {
  @ApiProperty({ format: 'date-time', description: 'The minute’s start' })
  minute!: string;

  @ApiProperty({ type: 'integer', description: 'Logins sent to MyInvois in that minute, whatever it answered' })
  logins!: number;

  @ApiProperty({ type: 'integer', description: 'Of those, logins for a token request waiting on them' })
  onDemand!: number;

  @ApiProperty({ type: 'integer', description: 'Of those, background renewals by the refresher' })
  refresh!: number;
}

/** A client ID's logins per minute over the last hour, for a chart beside its budget. */
export class CredentialLoginsDto {
  @ApiProperty({ type: 'integer', description: 'Logins a minute MyInvois allows this client ID (loginRatePerMinute)' })
  limitPerMinute!: number;

  @ApiProperty({
    type: [LoginMinuteDto],
    description: 'The last 60 minutes, oldest first, the current (unfinished) minute last; a minute without logins counts 0',
  })
  minutes!: LoginMinuteDto[];
}
