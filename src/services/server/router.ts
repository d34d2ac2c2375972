/** Routes `METHOD /path/{param}` to handlers; the parameters come back decoded. */
import { HttpError } from "./http-error.js";

export interface RequestContext {
  method: string;
  params: Record<string, string>;
  /** The parsed JSON body (undefined when there was none). */
  body: unknown;
  /** The peer's address (for PUT /api/v0/host without an address). */
  remoteAddress: string;
}

export interface Reply {
  status: number;
  body: unknown;
}

export type RouteHandler = (context: RequestContext) => Promise<Reply>;

interface Route {
  path: string;
  pattern: RegExp;
  names: string[];
  methods: Map<string, RouteHandler>;
}

export class Router {
  private readonly routes: Route[] = [];

  /** Registers `handler` for `method` on `path` ("/api/v0/cluster/{name}/hosts/{ip}"). */
  on(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    let route = this.routes.find((r) => r.path === path);
    if (!route) {
      route = { path, pattern: new RegExp(`^${source}/?$`), names, methods: new Map() };
      this.routes.push(route);
    }
    route.methods.set(method, handler);
    return this;
  }

  /** The handler and parameters for a request; 404 for an unknown path, 405 for a known one. */
  match(method: string, path: string): { handler: RouteHandler; params: Record<string, string> } {
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      const handler = route.methods.get(method);
      if (!handler)
        throw new HttpError(
          405,
          `${method} is not allowed on ${path}; allowed: ${[...route.methods.keys()].join(", ")}`,
        );
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        let value: string;
        try {
          value = decodeURIComponent(m[i + 1]!);
        } catch {
          throw new HttpError(400, `malformed path segment "${m[i + 1]}"`);
        }
        // Names and addresses become store keys: a "/" in one would make it a path there.
        if (value.includes("/") || value.trim() === "")
          throw new HttpError(400, `${name} "${value}" may not be empty or contain "/"`);
        params[name] = value;
      });
      return { handler, params };
    }
    throw new HttpError(404, `no such endpoint: ${path}`);
  }
}
