import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgSchema, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, defineOutbox, timestamptz, updatedAt } from "@repti/kit";

export const billingSchema = pgSchema("billing");


/** The catalogue: what a vivarium can subscribe to, mapped to a Stripe price. */
export const plans = billingSchema.table(
  "plans",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Stable handle used as the vivarium's `subscriptionTier` (free, keeper, breeder...). */
    code: text("code").notNull(),
    name: text("name").notNull(),
    priceCents: integer("price_cents").notNull(),
    currency: text("currency").notNull().default("usd"),
    interval: text("interval").notNull().default("month"),
    entitlements: jsonb("entitlements").notNull().default(sql`'{}'::jsonb`),
    stripePriceId: text("stripe_price_id"),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("plans_code_key").on(table.code),
    check("plans_price_non_negative", sql`${table.priceCents} >= 0`),
    check("plans_interval", sql`${table.interval} in ('month', 'year')`),
  ],
);

/** A vivarium (of the vivarium subgraph; no cross-schema key) as a Stripe customer. */
export const customers = billingSchema.table(
  "customers",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    vivariumId: uuid("vivarium_id").notNull(),
    stripeCustomerId: text("stripe_customer_id").notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex("customers_vivarium_key").on(table.vivariumId),
    uniqueIndex("customers_stripe_key").on(table.stripeCustomerId),
  ],
);

export const subscriptions = billingSchema.table(
  "subscriptions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    planId: uuid("plan_id")
      .notNull()
      .references(() => plans.id),
    stripeSubscriptionId: text("stripe_subscription_id").notNull(),
    status: text("status").notNull(),
    currentPeriodEnd: timestamptz("current_period_end"),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex("subscriptions_stripe_key").on(table.stripeSubscriptionId),
    index("subscriptions_customer_idx").on(table.customerId),
  ],
);

export const invoices = billingSchema.table(
  "invoices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    stripeInvoiceId: text("stripe_invoice_id").notNull(),
    number: text("number"),
    status: text("status").notNull(),
    amountDueCents: integer("amount_due_cents").notNull(),
    amountPaidCents: integer("amount_paid_cents").notNull().default(0),
    currency: text("currency").notNull(),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex("invoices_stripe_key").on(table.stripeInvoiceId), index("invoices_customer_idx").on(table.customerId)],
);

/** Every Stripe webhook received, keyed by Stripe's event id so a redelivery is recognised and skipped. */
export const webhookEvents = billingSchema.table("webhook_events", {
  stripeEventId: text("stripe_event_id").primaryKey(),
  type: text("type").notNull(),
  payload: jsonb("payload").notNull(),
  receivedAt: timestamptz("received_at").notNull().defaultNow(),
  processedAt: timestamptz("processed_at"),
});

export const outbox = defineOutbox(billingSchema);

export const tables = { plans, customers, subscriptions, invoices, webhookEvents, outbox };
export type BillingTables = typeof tables;
