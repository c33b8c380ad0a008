/** The input of a router agent: pick one of `agents` for the request. */
export function routerPrompt(input: string, agents: readonly string[]): string {
  return `Pick the agent best suited to the request below. Answer with the agent's id only, one of: ${agents.join(", ")}.\n\nRequest:\n${input}`;
}

/** The agent a router's answer names: the whole answer, or the first agent id it mentions as a word. */
export function pickAgent(answer: string, agents: readonly string[]): string | undefined {
  const trimmed = answer.trim().replace(/^["'`]|["'`.]$/g, "");
  if (agents.includes(trimmed)) return trimmed;
  let best: { id: string; at: number } | undefined;
  for (const id of agents) {
    const match = new RegExp(`(^|[^A-Za-z0-9_.-])${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_-])`).exec(
      answer,
    );
    if (match && (best === undefined || match.index < best.at)) best = { id, at: match.index };
  }
  return best?.id;
}
