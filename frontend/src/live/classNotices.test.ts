import { describe, expect, it } from "vitest";
import { readMessage } from "./liveEvents";

function message(data: unknown, lastEventId = "7"): MessageEvent<string> {
  return new MessageEvent("message", { data: JSON.stringify(data), lastEventId });
}

describe("class notices on the live stream", () => {
  it("reads an instructor's message, which names a class and no instance", () => {
    const read = readMessage(
      "class-message",
      message({ class_id: "c1", owner: "ada@example.org", body: "Open notebook 2", author: "g" }),
    );
    expect(read?.kind).toBe("class-message");
  });

  it("reads a move in the waiting room", () => {
    const read = readMessage(
      "waiting",
      message({ class_id: "c1", ticket: 4, state: "waiting", position: 2 }),
    );
    expect(read).toMatchObject({ kind: "waiting", id: "7", event: { position: 2 } });
  });

  it("reads a move of an ordinary launch's place, which has no class", () => {
    const read = readMessage(
      "waiting",
      message({ class_id: null, template: "jupyter", ticket: 9, state: "waiting", position: 1 }),
    );
    expect(read).toMatchObject({ kind: "waiting", event: { ticket: 9, position: 1 } });
  });

  it("skips a class notice without its class, and a waiting notice without its ticket", () => {
    expect(readMessage("class-message", message({ body: "x" }))).toBeNull();
    expect(readMessage("waiting", message({ state: "waiting" }))).toBeNull();
  });
});
