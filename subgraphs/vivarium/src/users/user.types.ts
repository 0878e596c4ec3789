import { Directive, Field, ID, ObjectType } from "type-graphql";

/** identity's `User`, as far as this subgraph knows it: a key to hang `vivariums` on and to point members at. */
@Directive(`@key(fields: "id")`)
@ObjectType()
export class User {
  @Field(() => ID) id!: string;

  static ref(id: string): User {
    return Object.assign(new User(), { id });
  }
}
