import { Field, Int, ObjectType } from "type-graphql";
import { VivariumRole } from "../vivariums/vivarium.types.js";

@ObjectType({ description: "One cell of the permission matrix" })
export class Permission {
  @Field(() => String) resource!: string;
  @Field(() => String) action!: string;
}

@ObjectType({ description: "A vivarium role and everything it may do" })
export class RoleDefinition {
  @Field(() => VivariumRole) role!: VivariumRole;
  @Field(() => Int, { description: "0 = KEEPER; a role includes every role of a lower rank" }) rank!: number;
  @Field(() => [Permission]) permissions!: Permission[];
}
