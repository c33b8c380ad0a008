/** A scripted model answer, written in each provider's wire format by the wire-* modules. */
export interface Answer {
  text?: string;
  toolCalls?: { id: string; name: string; args: Record<string, unknown> }[];
  usage?: { input: number; output: number };
  /** Why the model stopped; default `tool-calls` when there are tool calls, else `stop`. */
  finish?: "stop" | "length" | "tool-calls" | "content-filter";
}

/** The answer's finish reason, defaulted. */
export function finishOf(answer: Answer): NonNullable<Answer["finish"]> {
  return answer.finish ?? ((answer.toolCalls?.length ?? 0) > 0 ? "tool-calls" : "stop");
}

/** Cuts text into pieces of at most `size` characters, as a streaming server sends it. */
export function pieces(text: string, size = 4): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

/** The usage, defaulted. */
export function usageOf(answer: Answer): { input: number; output: number } {
  return answer.usage ?? { input: 11, output: 7 };
}
