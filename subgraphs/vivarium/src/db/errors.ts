/** Whether a statement failed on the named unique index (drizzle wraps the driver's error as its `cause`). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const { code, constraint_name } = cause as { code?: unknown; constraint_name?: unknown };
  return code === "23505" && constraint_name === constraint;
}
