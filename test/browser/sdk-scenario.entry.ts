/**
 * Browser entry for the SDK scenario: bundled by console.test.ts with esbuild (platform browser,
 * so a Node.js import in `@certus/trust-sdk/web` fails the bundle) and loaded into a page served
 * under the console's Content-Security-Policy; the test calls `certusSdkScenario` in the page.
 */
import { createTrustClient, type TrustProtocol } from "@certus/trust-sdk/web";
import { runSdkScenario, type ScenarioReport } from "./sdk-scenario.js";

declare global {
  var certusSdkScenario: (baseUrl: string, protocol: TrustProtocol, encoding: "json" | "binary") => Promise<ScenarioReport>;
}

globalThis.certusSdkScenario = (baseUrl, protocol, encoding) => runSdkScenario(createTrustClient({ baseUrl, protocol, encoding }));
