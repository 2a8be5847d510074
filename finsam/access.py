"""Who may see what. An Access travels with every query (finsam.query.queries.run) and every import; the
query layer, not the interface, decides which associations a query may touch."""
from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "coordinator", "board", "reader")


class AccessDenied(PermissionError):
    """A request outside what the role allows (e.g. another association's records)."""


@dataclass(frozen=True)
class Access:
    role: str  # admin | coordinator | board | reader | demo
    associations: tuple[str, ...] | None = None  # None: all associations
    user: str = ""

    @property
    def sees_records(self) -> bool:
        return self.role in ("admin", "coordinator", "board", "demo")

    @property
    def may_unprotect(self) -> bool:
        """Unprotected figures: administrators, and coordinators for their own association."""
        return self.role in ("admin", "coordinator")

    @property
    def may_import(self) -> bool:
        """Import, remove and undo records: a signed-in administrator or coordinator (never the demo)."""
        return self.role in ("admin", "coordinator")

    def allows(self, association: str) -> bool:
        return self.associations is None or association in self.associations

    def scope(self, requested: tuple[str, ...]) -> tuple[str, ...]:
        """The associations a query may read: the requested ones if all allowed, else refused."""
        if not self.sees_records:
            raise AccessDenied("Rollen ser bara publicerade siffror.")
        if self.associations is None:
            return requested
        refused = [a for a in requested if a not in self.associations]
        if refused:
            raise AccessDenied(f"Ingen behörighet till {', '.join(refused)}.")
        return requested or self.associations


ADMIN = Access("admin", None, "administratör")
DEMO = Access("demo", None, "demo")
NOBODY = Access("none", (), "")  # not signed in where sign-in is required: sees nothing
