// Test setup: DOM matchers for expect(), the fake api behind the client, and a clean DOM
// and fake api after every test.
import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";
import { installFakeApi, resetFakeApi } from "./fakeApi";

installFakeApi();

afterEach(() => {
  cleanup();
  resetFakeApi();
});
