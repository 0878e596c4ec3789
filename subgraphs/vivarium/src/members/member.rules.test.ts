import { describe, expect, it } from "vitest";
import { DomainError } from "@repti/kit";
import { PermissionMatrix, vivariumRoles, type PermissionCell, type VivariumRoleName } from "../permissions/permission-matrix.js";
import { checkDeparture, checkGrant, checkRemoval, checkRoleChange, checkTransfer, ownerAfter, successorOf, type Membership } from "./member.rules.js";

/** The seeded matrix's member and vivarium cells (migrations 0001 and 0004). */
const seeded: PermissionCell[] = [
  ...(["KEEPER", "HANDLER", "CURATOR", "HERPETOLOGIST"] as const).map((role) => ({ role, resource: "members", action: "read" })),
  ...(["CURATOR", "HERPETOLOGIST"] as const).flatMap((role) => ["create", "update", "delete"].map((action) => ({ role, resource: "members", action }))),
  { role: "HERPETOLOGIST", resource: "vivarium", action: "transfer" },
];
const matrix = new PermissionMatrix(seeded);

let joined = 0;
const member = (userId: string, role: VivariumRoleName): Membership => ({ userId, role, joinedAt: new Date(2026, 0, 1, 0, 0, joined++) });
const owner = member("owner", "HERPETOLOGIST");
const co = member("co", "HERPETOLOGIST");
const curator = member("curator", "CURATOR");
const curator2 = member("curator2", "CURATOR");
const handler = member("handler", "HANDLER");
const keeper = member("keeper", "KEEPER");
const everyone = [owner, co, curator, curator2, handler, keeper];
const byName = (name: string) => everyone.find((candidate) => candidate.userId === name)!;

function outcome(check: () => void): string {
  try {
    check();
    return "ok";
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

describe("granting (add, invite)", () => {
  const cases: Array<[string, VivariumRoleName, string]> = [
    ["keeper", "KEEPER", "FORBIDDEN"],
    ["handler", "KEEPER", "FORBIDDEN"],
    ...vivariumRoles.map((role): [string, VivariumRoleName, string] => ["curator", role, role === "HERPETOLOGIST" ? "FORBIDDEN" : "ok"]),
    ...vivariumRoles.map((role): [string, VivariumRoleName, string] => ["owner", role, "ok"]),
  ];
  it.each(cases)("%s grants %s: %s", (actor, role, expected) => {
    expect(outcome(() => checkGrant(matrix, byName(actor), role))).toBe(expected);
  });
});

describe("changing roles", () => {
  it.each([
    ["keeper", "handler", "KEEPER", "FORBIDDEN"],
    ["handler", "keeper", "HANDLER", "FORBIDDEN"],
    ["curator", "keeper", "CURATOR", "ok"],
    ["curator", "curator2", "KEEPER", "ok"],
    ["curator", "keeper", "HERPETOLOGIST", "FORBIDDEN"],
    ["curator", "co", "KEEPER", "FORBIDDEN"],
    ["owner", "co", "KEEPER", "ok"],
    ["owner", "curator", "HERPETOLOGIST", "ok"],
    ["keeper", "keeper", "HANDLER", "FORBIDDEN"],
    ["curator", "curator", "HERPETOLOGIST", "FORBIDDEN"],
    ["handler", "handler", "KEEPER", "ok"],
    ["co", "co", "KEEPER", "ok"],
    ["keeper", "keeper", "KEEPER", "ok"],
  ] as Array<[string, string, VivariumRoleName, string]>)("%s sets %s to %s: %s", (actor, target, role, expected) => {
    expect(outcome(() => checkRoleChange(matrix, everyone, byName(actor), byName(target), role))).toBe(expected);
  });

  it("the last HERPETOLOGIST cannot step down (CONFLICT), one of two can", () => {
    const alone = [owner, curator, keeper];
    expect(outcome(() => checkRoleChange(matrix, alone, owner, owner, "CURATOR"))).toBe("CONFLICT");
    expect(outcome(() => checkRoleChange(matrix, [owner, co], owner, owner, "CURATOR"))).toBe("ok");
  });
});

describe("removing and leaving", () => {
  it.each([
    ["keeper", "handler", "FORBIDDEN"],
    ["handler", "keeper", "FORBIDDEN"],
    ["curator", "handler", "ok"],
    ["curator", "curator2", "ok"],
    ["curator", "co", "FORBIDDEN"],
    ["owner", "co", "ok"],
    ["keeper", "keeper", "ok"],
  ])("%s removes %s: %s", (actor, target, expected) => {
    expect(outcome(() => checkRemoval(matrix, everyone, byName(actor), byName(target)))).toBe(expected);
  });

  it("the last HERPETOLOGIST cannot leave or remove themself", () => {
    expect(outcome(() => checkDeparture([owner, keeper], owner))).toBe("CONFLICT");
    expect(outcome(() => checkRemoval(matrix, [owner, keeper], owner, owner))).toBe("CONFLICT");
    expect(outcome(() => checkDeparture([owner, co], owner))).toBe("ok");
  });
});

describe("ownership", () => {
  it("only a HERPETOLOGIST hands the vivarium over", () => {
    expect(vivariumRoles.map((role) => outcome(() => checkTransfer(matrix, member("x", role))))).toEqual(["FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "ok"]);
  });

  it("stays with the owner while a HERPETOLOGIST, else passes to the longest-standing one", () => {
    expect(ownerAfter("owner", everyone)).toBe("owner");
    expect(ownerAfter("owner", [curator, { ...owner, role: "CURATOR" }, co])).toBe("co");
    expect(ownerAfter("owner", [curator, keeper])).toBeNull();
  });

  it("the successor of a last HERPETOLOGIST is the longest-standing member of the highest remaining role", () => {
    expect(successorOf([keeper, curator2, handler, curator])).toBe(curator);
    expect(successorOf([keeper, handler])).toBe(handler);
    expect(successorOf([])).toBeNull();
  });
});
