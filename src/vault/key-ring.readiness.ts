import { Injectable, Optional } from '@nestjs/common';
import { Readiness } from '../health/readiness';
import { MasterKeys } from './master-keys';

/** Shows the key rings in `/health/ready` (the command-line jobs have no readiness). */
@Injectable()
export class KeyRingReadiness {
  constructor(keys: MasterKeys, @Optional() readiness?: Readiness) {
    readiness?.register('keyRing', () => keys.report());
  }
}
