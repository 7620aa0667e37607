import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { RefresherService } from './refresher.service';
import { SecretExpiryService } from './secret-expiry.service';

@Module({
  imports: [TokensModule],
  providers: [RefresherService, SecretExpiryService],
})
export class RefresherModule {}
