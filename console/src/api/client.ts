// The Connect clients the console calls, on the page's own origin with its session cookie.
// Every call carries X-Modalis-Console: 1, the header modalisd requires on cookie-authenticated
// calls: a cross-site form cannot send it, so another site cannot make calls with the cookie.
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { PlanService } from "../gen/modalis/v1/plan_service_pb.js";
import { RulesAdmin } from "../gen/modalis/v1/rules_admin_pb.js";

export const CONSOLE_HEADER = "X-Modalis-Console";

const consoleHeader: Interceptor = (next) => (req) => {
  req.header.set(CONSOLE_HEADER, "1");
  return next(req);
};

const transport = createConnectTransport({
  baseUrl: window.location.origin,
  useBinaryFormat: false,
  fetch: (input, init) => fetch(input, { ...init, credentials: "same-origin" }),
  interceptors: [consoleHeader],
  // A plan of the live rules takes well under a second; more means something is wrong.
  defaultTimeoutMs: 30_000,
});

export const plans: Client<typeof PlanService> = createClient(PlanService, transport);
export const rulesAdmin: Client<typeof RulesAdmin> = createClient(RulesAdmin, transport);
