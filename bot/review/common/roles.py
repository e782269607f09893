"""Roles are ordered: each one may do everything the ones below it may (viewer < annotator <
agent < admin), so a route names the least role it needs."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1  # reads conversations, the dashboard and exports
    ANNOTATOR = 2  # also tags conversations and writes notes
    AGENT = 3  # also answers customers in the live agent inbox
    ADMIN = 4  # also manages users

    @classmethod
    def parse(cls, name: str) -> Role:
        """``ValueError`` with the allowed names for anything else."""
        try:
            return cls[name.strip().upper()]
        except KeyError:
            allowed = ", ".join(role.label for role in cls)
            raise ValueError(f"unknown role {name!r}; choose one of: {allowed}") from None

    @property
    def label(self) -> str:
        return self.name.lower()
