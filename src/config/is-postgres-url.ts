import { registerDecorator, ValidationOptions } from 'class-validator';

/** A `postgres://` or `postgresql://` connection string that `URL` can parse. */
export function IsPostgresUrl(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPostgresUrl',
      target: target.constructor,
      propertyName: propertyName.toString(),
      options: { message: 'must be a postgres:// or postgresql:// connection string', ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return url.protocol === 'postgres:' || url.protocol === 'postgresql:';
          } catch {
            return false;
          }
        },
      },
    });
}
