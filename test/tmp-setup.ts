// Per-file setup (vitest.config.ts setupFiles): temp dirs made outside a test go when the file's tests are done.
import { afterAll } from "vitest";
import { removeFileTempDirs } from "./tmp.ts";

afterAll(removeFileTempDirs);
