"""A Warden daemon client in standard-library Python (docs/api.md).

    from warden_client import WardenClient
    w = WardenClient()                       # $WARDEN_SOCKET or $XDG_RUNTIME_DIR/warden/warden.sock
    v = w.evaluate("rm -rf ~/", cwd="/home/me/project")
    if v["decision"] != "allow": ...

HTTP/1.1 + JSON over the daemon's Unix socket: http.client with a connection that dials the socket.
Every non-2xx answer raises WardenError with the daemon's one-line reason; callers must treat any
exception as "not allowed" (fail closed).
"""

import http.client
import json
import os
import socket

__all__ = ["WardenClient", "WardenError", "default_socket"]


def default_socket(env=None):
    env = os.environ if env is None else env
    if env.get("WARDEN_SOCKET"):
        return env["WARDEN_SOCKET"]
    if env.get("XDG_RUNTIME_DIR"):
        return os.path.join(env["XDG_RUNTIME_DIR"], "warden", "warden.sock")
    state = env.get("WARDEN_STATE_DIR") or os.path.join(
        env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state"), "warden"
    )
    return os.path.join(state, "run", "warden.sock")


class UnixHTTPConnection(http.client.HTTPConnection):
    """http.client.HTTPConnection that connects to a Unix socket instead of host:port."""

    def __init__(self, path, timeout=20.0):
        super().__init__("warden", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class WardenError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code


class WardenClient:
    def __init__(self, socket_path=None, timeout=20.0):
        self.socket_path = socket_path or default_socket()
        self.timeout = timeout

    def _call(self, method, path, body=None, headers=None):
        conn = UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            data = None if body is None else json.dumps(body).encode("utf-8")
            h = {"content-type": "application/json"} if data is not None else {}
            h.update(headers or {})
            conn.request(method, path, body=data, headers=h)
            res = conn.getresponse()
            text = res.read().decode("utf-8")
        finally:
            conn.close()
        if res.status // 100 != 2:
            try:
                err = json.loads(text)
            except ValueError:
                err = {"code": "internal", "error": text.strip()}
            raise WardenError(res.status, err.get("code"), err.get("error"))
        if res.getheader("content-type", "").startswith("application/json"):
            return json.loads(text)
        return text

    def health(self):
        return self._call("GET", "/v1/health")

    def evaluate(self, command, cwd, env=None, profile=None):
        """The Verdict for a shell command (same as `warden check --json`)."""
        request = {"kind": "command", "command": command, "cwd": cwd}
        if env is not None:
            request["env"] = env
        body = {"request": request}
        if profile is not None:
            body["profile"] = profile
        return self._call("POST", "/v1/evaluate", body)["verdict"]

    def evaluate_file(self, op, path, cwd, tool=None):
        """The Verdict for a file operation: op is read, write, edit or delete."""
        request = {"kind": "file", "op": op, "path": path, "cwd": cwd}
        if tool is not None:
            request["tool"] = tool
        return self._call("POST", "/v1/evaluate", {"request": request})["verdict"]

    def hook(self, agent, payload):
        """An agent hook payload (claude, gemini, codex) → {stdout, stderr, exit_code}; recorded first."""
        return self._call("POST", f"/v1/hook/{agent}", payload)

    def pending(self):
        return self._call("GET", "/v1/pending")["pending"]

    def metrics(self):
        return self._call("GET", "/metrics")


if __name__ == "__main__":
    import sys

    client = WardenClient()
    verdict = client.evaluate(" ".join(sys.argv[1:]) or "true", cwd=os.getcwd())
    print(json.dumps(verdict, indent=2))
    sys.exit({"allow": 0, "ask": 1, "deny": 2}[verdict["decision"]])
