import { Directive, Field, ID, ObjectType } from "type-graphql";

/** identity's `User`, as this subgraph knows it: the id of who changed a flag or a config value. */
@Directive(`@key(fields: "id", resolvable: false)`)
@ObjectType()
export class User {
  @Field(() => ID) id!: string;

  static ref(id: string | null): User | null {
    return id === null ? null : Object.assign(new User(), { id });
  }
}
