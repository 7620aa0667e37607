import { registerDecorator, ValidationArguments } from 'class-validator';
import { isUuid } from '../../../common/formats';

export const ALL_TENANTS = '*';
export const MAX_TENANT_GRANTS = 10_000;

/** `["*"]` for every tenant, or a list of distinct tenant ids. */
export function IsTenantGrants(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTenantGrants',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: (args: ValidationArguments) => problem(args.value, args.property) ?? '' },
      validator: { validate: (value: unknown) => problem(value, '') === undefined },
    });
}

function problem(value: unknown, field: string): string | undefined {
  if (!Array.isArray(value)) return `${field} must be an array of tenant ids, or ["*"] for all tenants`;
  if (value.length > MAX_TENANT_GRANTS) return `${field} may list at most ${MAX_TENANT_GRANTS} tenants`;
  if (value.includes(ALL_TENANTS)) return value.length === 1 ? undefined : `${field} must be ["*"] alone, not "*" among tenant ids`;
  const bad = value.findIndex((item) => !isUuid(item));
  if (bad >= 0) return `${field}[${bad}] must be a tenant id (a UUID) or "*"`;
  if (new Set(value.map((id: string) => id.toLowerCase())).size !== value.length) return `${field} lists a tenant twice`;
  return undefined;
}
