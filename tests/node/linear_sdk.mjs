// Drives a Linear clone with the official @linear/sdk, as an agent would; prints JSON.
// Usage: node linear_sdk.mjs <node_modules parent> <apiUrl> <apiKey>
import { createRequire } from "node:module";
import path from "node:path";

const [prefix, apiUrl, apiKey] = process.argv.slice(2);
const require = createRequire(path.join(prefix, "package.json"));
const { LinearClient } = await import(require.resolve("@linear/sdk"));

const client = new LinearClient({ apiKey, apiUrl });
const out = {};

const viewer = await client.viewer;
out.viewer = viewer.email;

const teams = await client.teams();
out.teams = teams.nodes.map((t) => t.key).sort();
const eng = teams.nodes.find((t) => t.key === "ENG");

const created = await client.createIssue({ teamId: eng.id, title: "Filed from @linear/sdk", priority: 2 });
const issue = await created.issue;
out.created = { success: created.success, identifier: issue.identifier, priorityLabel: issue.priorityLabel };

const states = await eng.states();
const done = states.nodes.find((s) => s.type === "completed");
await client.updateIssue(issue.id, { stateId: done.id });
const moved = await client.issue(issue.identifier);
out.moved = { state: (await moved.state).name, completed: moved.completedAt instanceof Date };

const commented = await client.createComment({ issueId: issue.id, body: "Fixed in 2.15." });
const comment = await commented.comment;
out.comment = { body: comment.body, author: (await comment.user).email };

const page = await client.issues({ first: 25 });
let fetches = 1;
while (page.pageInfo.hasNextPage) {
  await page.fetchNext();
  fetches += 1;
}
out.paged = { count: page.nodes.length, unique: new Set(page.nodes.map((n) => n.id)).size, fetches };

try {
  await new LinearClient({ apiKey: "lin_api_not_a_key", apiUrl }).viewer;
  out.badKey = null;
} catch (error) {
  out.badKey = { type: error.type, message: error.message };
}

console.log(JSON.stringify(out));
