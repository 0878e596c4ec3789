/** Events about vivariums themselves; member events are in audit/role-audit.service.ts. */
export const vivariumEvents = {
  created: "org.created",
  updated: "org.updated",
  /** Soft delete: the data is kept for the retention period. */
  deleted: "org.deleted",
  /** Carries the invitation token to identity, which mails the link. */
  memberInvited: "org.member.invited",
} as const;
