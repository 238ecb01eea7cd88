"""The stories module's one error type, raised by every service (web and API alike)."""

from __future__ import annotations


class StoryError(ValueError):
    """A change the rules do not allow. `code` is stable (tests and the API use it); `message`
    is for people, in their language; `status` is the API's HTTP answer."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
