-- Handing the vivarium to another member is an owner's act: a cell of its own in the matrix, so the check reads
-- the matrix like every other one.
INSERT INTO "vivarium"."role_permissions" ("role", "resource", "action") VALUES ('HERPETOLOGIST', 'vivarium', 'transfer');
