"""A real SMTP server for tests (aiosmtpd), collecting the messages the portal sends."""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Mailbox:
    """Messages received, and a way to wait for one without sleeping."""

    messages: list[EmailMessage] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.condition:
            self.messages.append(message)
            self.condition.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 10.0, after: int = 0) -> EmailMessage:
        """The first message to `to` (beyond the first `after` messages), waiting up to `timeout`."""
        def find():
            for message in self.messages[after:]:
                if to.lower() in str(message["To"]).lower():
                    return message
            return None

        with self.condition:
            found = self.condition.wait_for(find, timeout=timeout)
        assert found is not None, f"no email to {to} within {timeout}s; got {[m['To'] for m in self.messages]}"
        return found

    def clear(self) -> None:
        with self.condition:
            self.messages.clear()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else message.get_content()


def first_link(message: EmailMessage, path_fragment: str = "") -> str:
    match = re.search(r"https?://\S*" + re.escape(path_fragment) + r"\S*", text_of(message))
    assert match, f"no link containing {path_fragment!r} in:\n{text_of(message)}"
    return match.group(0)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_server() -> tuple[Controller, Mailbox]:
    mailbox = Mailbox()
    mailbox.port = _free_port()
    controller = Controller(mailbox, hostname=mailbox.host, port=mailbox.port)
    controller.start()
    return controller, mailbox
