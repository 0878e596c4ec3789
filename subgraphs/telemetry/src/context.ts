import type { RequestContext } from "@repti/kit";
import type { EventService } from "./events/event.service.js";

export interface TelemetryServices {
  events: EventService;
}

export type TelemetryContext = RequestContext<TelemetryServices>;
