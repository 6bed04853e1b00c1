// Kills this process's children that are still alive (Miniflare's workerd, if disposing it
// failed or never ran), so an e2e, bench or soak server never leaves an orphaned `workerd serve`
// behind. Synchronous, for `process.on("exit")`. Linux only (/proc); elsewhere a no-op.
import { readdirSync, readFileSync } from "node:fs";

/** The pids whose parent is this process. */
function children() {
  let entries = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const out = [];
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid) out.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

export function killOrphans() {
  for (const pid of children()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}
