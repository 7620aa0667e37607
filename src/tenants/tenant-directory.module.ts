import { Global, Injectable, Module } from '@nestjs/common';
import { TenantDirectory } from '../auth/tenant-directory';
import { TenantError } from './tenant.errors';
import { TenantsModule } from './tenants.module';
import { TenantsService } from './tenants.service';

@Injectable()
class TenantsDirectory implements TenantDirectory {
  constructor(private readonly tenants: TenantsService) {}

  missing(ids: string[]): Promise<string[]> {
    return this.tenants.missing(ids);
  }

  notFound(id: string): TenantError {
    return TenantError.notFound(id);
  }
}

/** Lends auth/ (below tenants) its `TenantDirectory`: global, because auth may not import tenants to find it. */
@Global()
@Module({
  imports: [TenantsModule],
  providers: [{ provide: TenantDirectory, useClass: TenantsDirectory }],
  exports: [TenantDirectory],
})
export class TenantDirectoryModule {}
