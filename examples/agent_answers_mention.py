"""An eval: does the agent answer a coworker who mentions it?

Run: python examples/agent_answers_mention.py

The "agent" is an unmodified slack_bolt app on Socket Mode; a coworker (a
seeded member's own token) mentions it in #general; the grade is the clone's
diff: exactly the mention and one reply in its thread. Then reset.
"""

import time

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

import asymkit
from asymkit.testing import Match, added, assert_diff


def agent(clone: asymkit.Clone) -> App:
    app = App(client=WebClient(token=clone.tokens.bot, base_url=clone.api_url))

    @app.event("app_mention")
    def answer(event, say):  # type: ignore[no-untyped-def]
        say(text=f"Hi <@{event['user']}>, the deploy is green.", thread_ts=event["ts"])

    for other in ("message", "member_joined_channel"):  # delivered too; nothing to do
        app.event(other)(lambda: None)
    return app


with asymkit.spin("slack", seed="acme-corp") as clone:
    bot = WebClient(token=clone.tokens.bot, base_url=clone.api_url)
    general = next(c["id"] for c in bot.conversations_list()["channels"] if c["name"] == "general")
    bot.conversations_join(channel=general)
    clone.snapshot("agent-ready")  # the bot in #general: every run starts here

    handler = SocketModeHandler(agent(clone), app_token=clone.tokens.app)
    handler.connect()
    coworker = WebClient(token=clone.user_token("@marcus"), base_url=clone.api_url)
    me = bot.auth_test()["user_id"]
    asked = coworker.chat_postMessage(channel=general, text=f"<@{me}> is the deploy ok?")

    deadline = time.monotonic() + 10
    while len(coworker.conversations_replies(channel=general, ts=asked["ts"])["messages"]) < 2:
        assert time.monotonic() < deadline, "the agent never answered"
        time.sleep(0.1)
    handler.close()

    assert_diff(
        clone.diff(since="agent-ready"),
        added("messages", channel=general, text=Match.contains("is the deploy ok?")),
        added("messages", thread_ts=asked["ts"], text=Match.contains("deploy is green")),
    )
    clone.reset(to="agent-ready")
    assert not clone.diff(since="agent-ready")
    print("✓ the agent answered the mention in its thread")
