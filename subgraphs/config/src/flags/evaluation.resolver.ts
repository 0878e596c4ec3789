import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { ConfigContext } from "../context.js";
import { EvaluationContextInput, FlagEvaluation } from "./evaluation.types.js";

@Resolver(() => FlagEvaluation)
export class EvaluationResolver {
  @Query(() => [FlagEvaluation], { description: "Flags evaluated for the caller, or for `context`; every live flag unless `names` are given" })
  evaluateFlags(
    @Arg("context", () => EvaluationContextInput, { nullable: true }) context: EvaluationContextInput | null,
    @Arg("names", () => [String], { nullable: true }) names: string[] | null,
    @Ctx() { auth, services }: ConfigContext,
  ): FlagEvaluation[] {
    return services.evaluations.evaluate(auth, context, names);
  }
}
