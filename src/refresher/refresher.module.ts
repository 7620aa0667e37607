import { Module } from '@nestjs/common';
import { MyInvoisModule } from '../myinvois/myinvois.module';
import { TokensModule } from '../myinvois-tokens/tokens.module';
import { RefresherService } from './refresher.service';
import { SecretExpiryService } from './secret-expiry.service';

@Module({
  imports: [TokensModule, MyInvoisModule],
  providers: [RefresherService, SecretExpiryService],
})
export class RefresherModule {}
