import { Time } from "../components";
import type { TimelineStep } from "./timeline";

/** The event's story (./timeline.ts), oldest first; the steps saying why a delivery waits come last, as "now". */
export function TimelineView({ steps }: { steps: TimelineStep[] }) {
  return (
    <ol class="timeline">
      {steps.map((step) => (
        <li class={step.tone} data-waiting={step.waiting ? "true" : undefined}>
          <span class="when">{step.waiting ? "now" : <Time ms={step.at} />}</span>
          {step.text}
        </li>
      ))}
    </ol>
  );
}
