// Weav website widget client: the publishable key, an end-user session and the widget
// routes (/v1/widget/{key}/...), nothing else. No cookies: the session token lives in
// memory, the anonymous visitor id in localStorage so a returning visitor keeps their
// conversations.
export class WeavWidget {
  constructor({ api, key, userJwt = null, storage = window.localStorage }) {
    this.base = `${api.replace(/\/$/, "")}/v1/widget/${encodeURIComponent(key)}`;
    this.key = key;
    this.userJwt = userJwt;
    this.storage = storage;
    this.session = null;
  }

  async call(method, path, body, auth = true) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (auth) {
      // Renew a minute before the hour is up: the same call that opened the session.
      if (!this.session || Date.parse(this.session.expires_at) - Date.now() < 60_000) await this.open();
      headers.Authorization = `Bearer ${this.session.token}`;
    }
    const res = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
    });
    const data = res.status === 204 ? null : await res.json();
    if (!res.ok) throw Object.assign(new Error(data?.error || res.statusText), { status: res.status, data });
    return data;
  }

  /// Opens (or renews) the session: signed in users by the JWT your server made, everyone
  /// else as the visitor this browser already is, or a new one.
  async open() {
    const visitorKey = `weav-visitor:${this.key}`;
    const body = this.userJwt ? { user_jwt: this.userJwt } : {};
    const visitor = this.storage.getItem(visitorKey);
    if (!this.userJwt && visitor) body.visitor_id = visitor;
    this.session = await this.call("POST", "/sessions", body, false);
    if (this.session.visitor_id) this.storage.setItem(visitorKey, this.session.visitor_id);
    return this.session;
  }

  config() { return this.call("GET", "/config", undefined, false); }
  conversations() { return this.call("GET", "/conversations?order_by=id+desc"); }
  startConversation(body, subject) { return this.call("POST", "/conversations", { body, subject }); }
  conversation(id) { return this.call("GET", `/conversations/${id}`); }
  messages(id) { return this.call("GET", `/conversations/${id}/messages?take=100`); }
  send(id, body) { return this.call("POST", `/conversations/${id}/messages`, { body }); }
  search(q) { return this.call("GET", `/knowledge/search?q=${encodeURIComponent(q)}`); }
}
