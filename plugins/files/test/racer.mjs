// A hostile local process for the sandbox race test, run as a child process:
//   node racer.mjs <stop file> <max ms> <outside folder> <folder>...
// Swaps each <folder> (inside the sandbox) for a symbolic link to <outside
// folder> and back, as fast as it can, until <stop file> exists or <max ms>
// have passed. Prints "ready" after its first full round, and on stopping
// puts every folder back and prints {"rounds","swaps","strays"} as JSON.
import { existsSync, renameSync, symlinkSync } from "node:fs";
import process from "node:process";

const [stopFile, maxMs, outside, ...folders] = process.argv.slice(2);
const deadline = Date.now() + Number(maxMs);
let rounds = 0;
let swaps = 0;
let strays = 0;

// The plugin may create a real folder at a name while it is briefly missing
// (between the two renames of a swap); that folder is moved aside, so the
// swap can go on.
function put(from, to) {
  for (;;) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      if (!["EISDIR", "ENOTEMPTY", "EEXIST", "ENOTDIR"].includes(error.code)) throw error;
      renameSync(to, `${to}.stray-${++strays}`);
    }
  }
}

for (const folder of folders) symlinkSync(outside, `${folder}.link`);
for (;;) {
  for (const folder of folders) {
    put(folder, `${folder}.real`);
    put(`${folder}.link`, folder); // now a link leading out
    swaps++;
  }
  for (const folder of folders) {
    put(folder, `${folder}.link`);
    put(`${folder}.real`, folder); // the real folder again
  }
  if (++rounds === 1) process.stdout.write("ready\n");
  if (rounds % 16 === 0 && (existsSync(stopFile) || Date.now() > deadline)) break;
}
process.stdout.write(`${JSON.stringify({ rounds, swaps, strays })}\n`);
