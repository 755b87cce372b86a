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
    const read = readMessage("waiting", message({ class_id: "c1", state: "waiting", position: 2 }));
    expect(read).toMatchObject({ kind: "waiting", id: "7", event: { position: 2 } });
  });

  it("skips a class notice without its class", () => {
    expect(readMessage("class-message", message({ body: "x" }))).toBeNull();
    expect(readMessage("waiting", message({ state: "waiting" }))).toBeNull();
  });
});
