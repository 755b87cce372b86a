// Entry point: one query cache and one router for the page's lifetime.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, createRouter } from "./App";
import { createQueryClient } from "./queryClient";
import "./styles.css";

const root = document.getElementById("root");
if (root === null) throw new Error("index.html has no #root element");

createRoot(root).render(
  <StrictMode>
    <App client={createQueryClient()} router={createRouter()} />
  </StrictMode>,
);
