"""The official MCP Python SDK against the worker (tests/mcp/run.sh, from the e2e case
mcp::python_sdk_clients). Argument: the SDK's major version, 1 or 2; the rest comes from
the environment (see run.sh). Prints ALL OK when every check passed; any failure raises.

1.x speaks the initialize era (2025-11-25); 2.x probes server/discover and must settle on
the stateless revision 2026-07-28.
"""

import asyncio
import json
import os
import sys

URL = os.environ["MCP_URL"]
AGENT_URL = os.environ["MCP_AGENT_URL"]
TOKEN = os.environ["MCP_TOKEN"]
CONNECTION = os.environ["MCP_CONNECTION"]
CHANNEL = os.environ["MCP_CHANNEL"]
ECHO_URL = os.environ["MCP_ECHO_URL"]
LIMIT = int(os.environ["MCP_LIMIT"])
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


def text(result):
    return result.content[0].text


def field(obj, camel, snake):
    """1.x models use the wire's camelCase names, 2.x snake_case ones."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


def is_error(result):
    return field(result, "isError", "is_error")


async def all_tools(list_tools):
    tools, cursor = [], None
    while True:
        page = await list_tools(cursor)
        tools.extend(page.tools)
        cursor = field(page, "nextCursor", "next_cursor")
        if not cursor:
            return tools


async def checks(session, agent_session, list_tools, agent_list_tools):
    """The same walk for both releases: `session` has call_tool; list_tools(cursor)."""
    tools = {t.name: t for t in await all_tools(list_tools)}
    for name in ("slack_send_message", "http_send_request", "sdk-bot__greet"):
        assert name in tools, f"{name} not in {sorted(tools)}"
    schema = field(tools["slack_send_message"], "inputSchema", "input_schema")
    assert schema["properties"]["connection_id"]["enum"] == [CONNECTION], schema
    assert "connection_id" in schema["required"], schema
    print("tools/list:", sorted(tools))

    # Slack against the mock upstream: 1 slot.
    r = await session.call_tool(
        "slack_send_message", {"connection_id": CONNECTION, "channel": CHANNEL, "text": "hello from the SDK"}
    )
    assert not is_error(r), text(r)
    out = json.loads(text(r))
    assert out["success"] is True and out["output"]["ok"] is True, out
    print("slack_send_message:", text(r))

    # An agent function, on the workspace's endpoint and on the agent's: 2 slots.
    r = await session.call_tool("sdk-bot__greet", {"name": "Ada"})
    assert not is_error(r), text(r)
    assert json.loads(text(r))["status"] == 200, text(r)
    own = [t.name for t in await all_tools(agent_list_tools)]
    assert own == ["greet"], own
    r = await agent_session.call_tool("greet", {"name": "Grace"})
    assert not is_error(r), text(r)
    print("greet:", text(r))

    # The rest of the window, then the refusal: a tool result, not an exception.
    used = 3
    for _ in range(LIMIT - used):
        r = await session.call_tool("http_send_request", {"method": "GET", "url": ECHO_URL})
        assert not is_error(r), text(r)
    r = await session.call_tool("http_send_request", {"method": "GET", "url": ECHO_URL})
    assert is_error(r), text(r)
    assert text(r).startswith("RATE_LIMITED: "), text(r)
    print("rate limited:", text(r))


async def run_v1():
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(URL, headers=HEADERS) as (read, write, _), ClientSession(read, write) as s:
        init = await s.initialize()
        assert init.protocolVersion == "2025-11-25", init.protocolVersion
        assert init.serverInfo.name == "weav-edge", init.serverInfo
        await s.send_ping()
        async with streamablehttp_client(AGENT_URL, headers=HEADERS) as (ar, aw, _), ClientSession(ar, aw) as a:
            await a.initialize()
            await checks(s, a, lambda c: s.list_tools(cursor=c), lambda c: a.list_tools(cursor=c))
    print("protocol", init.protocolVersion)


async def run_v2():
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    def client(url):
        http = httpx2.AsyncClient(headers=HEADERS, timeout=30)
        return Client(streamable_http_client(url, http_client=http), mode="auto", cache=None)

    async with client(URL) as c, client(AGENT_URL) as a:
        assert c.protocol_version == "2026-07-28", c.protocol_version
        assert a.protocol_version == "2026-07-28", a.protocol_version
        assert c.server_info is not None and c.server_info.name == "weav-edge", c.server_info
        await checks(c, a, lambda cur: c.list_tools(cursor=cur), lambda cur: a.list_tools(cursor=cur))
        print("protocol", c.protocol_version)


def main():
    major = sys.argv[1]
    asyncio.run(run_v1() if major == "1" else run_v2())
    print("ALL OK")


if __name__ == "__main__":
    main()
