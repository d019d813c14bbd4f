// Expands an iCalendar file with Mozilla's ical.js (the parser of Thunderbird and
// Nextcloud), the way a subscribing client does: each VEVENT read with the file's
// own VTIMEZONEs, recurring masters expanded with their overrides (same UID and
// RECURRENCE-ID) and EXDATEs.
//
// stdin: {"ics": "...", "start": "ISO UTC", "end": "ISO UTC"}
// stdout: [{"uid", "start", "end", "status", "summary"}] — UTC ISO instants of
// every occurrence starting in [start, end), sorted.
import { readFileSync } from "node:fs";
import ICAL from "../vendor/ical.js/ical.js";

const input = JSON.parse(readFileSync(0, "utf8"));
const windowStart = Date.parse(input.start);
const windowEnd = Date.parse(input.end);
const vcalendar = new ICAL.Component(ICAL.parse(input.ics));

const utc = (time) => time.toJSDate().toISOString();
const masters = new Map();
const overrides = [];
const singles = [];
for (const vevent of vcalendar.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  if (event.isRecurrenceException()) overrides.push(event);
  else if (event.isRecurring()) masters.set(event.uid, event);
  else singles.push(event);
}
for (const override of overrides) {
  const master = masters.get(override.uid);
  if (master) master.relateException(override);
  else singles.push(override);
}

const occurrences = [];
const keep = (start, end, event) => {
  const at = start.toJSDate().getTime();
  if (at >= windowStart && at < windowEnd) {
    occurrences.push({
      uid: event.uid,
      start: utc(start),
      end: utc(end),
      status: event.component.getFirstPropertyValue("status"),
      summary: event.summary,
    });
  }
};
for (const event of singles) keep(event.startDate, event.endDate, event);
for (const master of masters.values()) {
  const iterator = master.iterator();
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.toJSDate().getTime() >= windowEnd) break;
    const details = master.getOccurrenceDetails(next);
    keep(details.startDate, details.endDate, details.item);
  }
}
occurrences.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.uid.localeCompare(b.uid)));
process.stdout.write(JSON.stringify(occurrences));
