// Overview: the activity chart (from the event log) and a few counts.
import { all } from "../api.js";
import { h, mount } from "../dom.js";
import { activityChart, bucket, lastDays } from "../chart.js";

const DAYS = 14;
/** The chart reads at most this many events per kind (newest first). */
const MAX_EVENTS = 1000;

export async function overview(root) {
  const days = lastDays(DAYS);
  const since = `${days[0]}T00:00:00.000Z`;
  const kinds = ["license.validation.succeeded", "license.validation.failed", "machine.created"];
  const lists = await Promise.all(kinds.map((event) => all("/event-logs", { event, "date[start]": since }, MAX_EVENTS)));
  const counts = bucket(lists.flat(), days);
  mount(
    root,
    h("section", { "aria-labelledby": "activity" }, h("h2", { id: "activity" }, `Activity, last ${DAYS} days`), activityChart(counts)),
    h("p", { class: "hint" }, "From the event log: validations are license.validation.succeeded and .failed events, activations machine.created."),
  );
}
