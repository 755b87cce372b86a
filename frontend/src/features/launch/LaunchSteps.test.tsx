import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { LaunchSteps } from "./LaunchSteps";
import { launchSteps } from "./launchSteps";

describe("LaunchSteps", () => {
  it("renders an ordered list with the current step marked for assistive technology", () => {
    render(<LaunchSteps steps={launchSteps({ phase: "Pending", wasReady: false })} />);
    const list = screen.getByRole("list", { name: "Launch progress" });
    expect(list.tagName).toBe("OL");
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      "✓Requested(done)",
      "…Pending(in progress)",
      "○Provisioning(not yet)",
      "○Ready(not yet)",
    ]);
    expect(items[1]).toHaveAttribute("aria-current", "step");
    expect(items.filter((item) => item.hasAttribute("aria-current"))).toHaveLength(1);
  });

  it("says a failed step failed in words", () => {
    render(
      <LaunchSteps
        steps={launchSteps({ phase: "Failed", wasReady: false, failedIn: "Provisioning" })}
      />,
    );
    const current = screen
      .getAllByRole("listitem")
      .find((item) => item.getAttribute("aria-current") === "step");
    expect(current).toHaveTextContent("Provisioning(failed)");
  });
});
