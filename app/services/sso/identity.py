"""What every protocol hands to provisioning once the IdP's answer has been checked."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person as the identity provider vouched for them: `subject` is stable, the rest may change."""

    subject: str
    email: str
    name: str = ""
    groups: tuple[str, ...] = field(default_factory=tuple)
