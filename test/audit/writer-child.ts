// A real writer process for the crash and concurrency tests: appends `count` events and prints
// "ack <seq> <id>" after each append has returned (i.e. after it is durable).
import { open } from "../../src/audit/index.ts";

const [dir, keyDir, countText, tag, mode] = process.argv.slice(2);
const log = await open(dir, { keyDir, checkpointEvery: 25, maxSegmentBytes: 16 * 1024 });
const count = Number(countText);
for (let i = 0; i < count; i++) {
  const event = {
    type: "request" as const,
    command: `echo ${tag}-${i} --password hunter2`,
    agent: { name: tag ?? "child", session: String(process.pid) },
    details: { i },
  };
  if (mode === "many" && i % 5 === 0) {
    const batch = await log.appendMany([event, { ...event, type: "decision" as const }]);
    for (const a of batch) process.stdout.write(`ack ${a.seq} ${a.id}\n`);
  } else {
    const a = await log.append(event);
    process.stdout.write(`ack ${a.seq} ${a.id}\n`);
  }
}
await log.close();
