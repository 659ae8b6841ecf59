"""Typed errors from the Wix adapter.

Every error here is "the user's world went wrong" (offline, a revoked key, a full quota): the UI shows
``str(error)`` (the same as ``error.message``) as it is. Each message is plain language that says what
to do next, with no HTTP status, request ID or class name in it: those are for the log (``repr``) and
for support (``details``). None of them ever carries the API key: they are built from status codes,
Wix's error codes and our own words, never from request headers.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import TypedDict, Unpack

from labeldesk.errors import KnownError


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str
    rule: str | None = None


class AnswerFields(TypedDict, total=False):
    """What an error knows of the answer that brought it (WixError's keywords but the wait): what the
    wire's error_from_response gives every error it makes, for the log and support."""

    status: int | None
    code: str | None
    request_id: str | None
    server_message: str | None


class _Details(AnswerFields, total=False):
    """All of WixError's keywords, which its subclasses pass on."""

    retry_after: float | None


class WixError(KnownError):
    """Base of every error the adapter raises on purpose: an expected failure (a KnownError).

    ``message`` (what ``str()`` gives) is for people; ``status``, ``code`` and ``request_id`` are for support.
    """

    default_message = "Something went wrong talking to Wix. Please try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        server_message: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        #: Seconds the service asked us to wait before trying again (429 and 503), if it said.
        self.retry_after = retry_after
        self.status = status
        self.code = code
        self.request_id = request_id
        #: Wix's own (English, technical) message, kept for the log and support.
        self.server_message = server_message
        super().__init__(message or self.default_message)

    @property
    def details(self) -> str:
        """For support (the "Copy details" button), one fact a line: the message, then what only
        support needs (the kind of error, the HTTP status, Wix's error code and message, the request ID)."""
        lines = [self.message, f"Kind: {type(self).__name__}"]
        facts = (
            ("HTTP status", self.status),
            ("Wix error code", self.code),
            ("Wix said", self.server_message),
            ("Wix request ID", self.request_id),
        )
        lines += [f"{name}: {value}" for name, value in facts if value is not None]
        return "\n".join(lines)

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        for name in ("status", "code", "request_id"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    # (retryable, unreachable and asking_again_helps: see KnownError. For Wix, "unreachable" makes
    # the window go offline and keep trying; a slow answer is reachable.)


class CancelledError(WixError):
    """The client was closed while the call waited; nobody is waiting for the answer any more."""

    default_message = "The request was cancelled."


class NetworkError(WixError):
    """The request never got a proper answer."""

    retryable = True
    unreachable = True


class OfflineError(NetworkError):
    # No promise of a retry here: only the window's offline banner retries, and it says so itself.
    default_message = "Can't reach Wix. Check your internet connection."


class ConnectionDroppedError(NetworkError):
    default_message = "The connection to Wix dropped before it answered. Please try again."


class TimeoutError(NetworkError):  # noqa: A001 - deliberately ours, not the builtin
    default_message = "Wix took too long to answer. Your connection may be slow; please try again."
    unreachable = False  # reached, just slow to answer: not offline


class MalformedResponseError(WixError):
    default_message = "Wix sent an answer LabelDesk couldn't read. Please try again in a moment."
    retryable = True


class OversizedResponseError(WixError):
    """An answer past what LabelDesk reads: a body over the size cap (as sent, or once unpacked), more
    labels on a page than Wix ever sends (2,000, contract section 2.1), or a total far above any real
    site's. Only a broken or hostile server sends one; reading stopped there, and it isn't retried."""

    default_message = (
        "Wix sent an answer LabelDesk can't use (far more than any site's labels need), so LabelDesk stopped "
        "reading it. Please try again later."
    )


class InvalidKeyError(WixError):
    """A label key that can't be one (domain.valid_key): refused before anything is sent."""

    default_message = (
        "LabelDesk can't use this label's key (Wix sent one that isn't a proper label key), so it can't change "
        "this label."
    )


class AuthError(WixError):
    """401 or 403: the key is wrong, revoked, or lacks a permission."""

    default_message = (
        "Wix didn't accept the API key. It may have been revoked or mistyped: create a new one in the "
        "API Keys Manager and sign in again."
    )
    asking_again_helps = False


class PermissionDeniedError(AuthError):
    default_message = (
        "This API key isn't allowed to manage labels. In the API Keys Manager, give it the "
        "“Manage Contact Labels” permission."
    )
    asking_again_helps = True  # once the permission is given, in Wix: nothing changes on this computer


class SiteNotFoundError(WixError):
    """The site ID is missing or names no site this key can reach (428 MISSING_METASITE_ID, or 404)."""

    default_message = "Wix doesn't know this site ID. Copy it again from your site's dashboard address."
    asking_again_helps = False


class NotFoundError(WixError):
    default_message = "Wix couldn't find what LabelDesk asked for."


class LabelNotFoundError(NotFoundError):
    default_message = "This label no longer exists; it was probably deleted elsewhere."
    #: True when an earlier try of the same call may have reached Wix (its answer was lost).
    after_retry = False


class LabelNotEditableError(WixError):
    default_message = "Wix doesn't allow this label to be renamed or deleted."


class ConflictError(WixError):
    default_message = "Another label already has this name. Choose a different name."


class ValidationError(WixError):
    """400: Wix found something in the request invalid (contract section 8's ``fieldViolations``).

    The words name what the person can change (the label name) in plain terms; a field only LabelDesk
    sets (paging, the query, the key) is LabelDesk's mistake, and says so. The field paths and Wix's
    own descriptions are for support only: they go into ``details``, never into ``message``.
    """

    default_message = (
        "LabelDesk asked for something Wix didn't accept; please try again, and if it keeps happening, "
        "copy the details for support."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        violations: tuple[FieldViolation, ...] = (),
        **kwargs: Unpack[_Details],
    ) -> None:
        self.violations = violations
        if message is None:
            message = _violation_words(violations)
        super().__init__(message, **kwargs)

    @property
    def details(self) -> str:
        lines = [super().details]
        for violation in self.violations:
            rule = f" ({violation.rule})" if violation.rule else ""
            lines.append(f"Wix's objection to {violation.field or 'the request'}{rule}: {violation.description}")
        return "\n".join(lines)


#: Wix's rule names (contract section 8) for a name that is too long, and for one that is empty or missing.
_TOO_LONG_RULES = frozenset({"MAX_LENGTH", "MAX", "MAX_SIZE"})
_EMPTY_RULES = frozenset({"MIN_LENGTH", "MIN", "REQUIRED_FIELD", "MIN_SIZE"})


def _violation_words(violations: tuple[FieldViolation, ...]) -> str | None:
    """Plain words for what Wix objected to, or None (the default message) when it is nothing the
    person can change. Only the label name is theirs; everything else LabelDesk sent on its own."""
    for violation in violations:
        if violation.field.rsplit(".", 1)[-1] != "displayName":
            continue
        if violation.rule in _TOO_LONG_RULES:
            return "Wix didn't accept the label name: it is too long. Choose a shorter name."
        if violation.rule in _EMPTY_RULES:
            return "Wix didn't accept the label name: it is empty. Type a name for the label."
        return "Wix didn't accept the label name. Choose a different name."
    return None


class InvalidNameError(ValidationError):
    """A label name that breaks LabelDesk's name rule (domain.name_problem); raised before anything is sent."""


class QuotaReachedError(WixError):
    def __init__(self, quota: int | None, current_total: int | None, **kwargs: Unpack[_Details]) -> None:
        self.quota = quota
        self.current_total = current_total
        if quota is not None:
            message = (
                f"Your site has reached its limit of {quota:,} labels"
                + (f" ({current_total:,} in use)" if current_total is not None else "")
                + ". Delete labels you no longer need, then try again."
            )
        else:
            message = "Your site has reached its limit of labels. Delete labels you no longer need, then try again."
        super().__init__(message, **kwargs)


class RateLimitedError(WixError):
    retryable = True

    def __init__(self, retry_after: float | None = None, **kwargs: Unpack[AnswerFields]) -> None:
        if retry_after and math.isfinite(retry_after):
            message = f"Wix is receiving too many requests from LabelDesk. Try again in {_wait_words(retry_after)}."
        else:
            message = "Wix is receiving too many requests from LabelDesk. Wait a minute, then try again."
        super().__init__(message, retry_after=retry_after, **kwargs)


class ServerError(WixError):
    default_message = "Wix is having trouble right now (a server error). Please try again in a few minutes."
    retryable = True


class MalformedKeyError(AuthError):
    """The key has characters no API key has (spaces, line breaks, accents): it was mis-pasted."""

    default_message = (
        "That doesn't look like an API key: it contains spaces, line breaks or other characters an API key "
        "never has. Copy it again from the API Keys Manager."
    )


class InvalidBaseUrlError(KnownError, ValueError):
    """An API base URL that could leak the key: not https, and not plain http to this computer."""


class CertificateError(WixError):
    """The connection's security certificate was refused (a TLS inspection proxy whose root isn't
    trusted, a wrong clock, a captive portal): not a network outage, and no retry will fix it."""

    default_message = (
        "LabelDesk couldn't confirm it is talking to Wix: the connection's security certificate was not "
        "accepted. If your workplace or school checks secure connections, ask its IT team to add its "
        "certificate to this computer; otherwise check that the computer's date and time are right, or "
        "try another network."
    )


class ProxySettingError(WixError):
    """A proxy setting (an environment variable or the system's) that LabelDesk can't use: every call
    fails with this until it is corrected and LabelDesk restarted. ``variable`` names it; its value
    is never shown or logged (it may hold a user name and password)."""

    asking_again_helps = False

    def __init__(self, variable: str) -> None:
        self.variable = variable
        where = variable if variable.endswith("settings") else f"the {variable} setting"
        super().__init__(
            f"LabelDesk can't use the proxy in {where}: it isn't a proxy address LabelDesk understands "
            "(http://, https:// or socks5:// and a host). Correct it or remove it (or ask whoever set up this "
            "computer's network), then start LabelDesk again."
            if variable.lower() != "no_proxy"
            else f"LabelDesk can't read the {variable} setting (the addresses that skip the proxy). Correct it or "
            "remove it (or ask whoever set up this computer's network), then start LabelDesk again."
        )


class ProxyUnreachableError(OfflineError):
    """The proxy in force for Wix's address (``variable`` names its setting; its value is never shown)
    didn't answer, hung up, or refused to pass the connection on. An :class:`OfflineError`, so it is
    retried and the window goes offline as for any unreachable service, but it names the proxy, which
    is what the person (or whoever runs their network) has to look at."""

    def __init__(self, variable: str) -> None:
        self.variable = variable
        super().__init__(
            f"LabelDesk connects to Wix through the proxy in the {variable} setting, and the proxy didn't let "
            "the connection through. Check that the proxy is running, or ask whoever set up this computer's network."
        )


def _wait_words(seconds: float) -> str:
    """A wait as people say it: '40 seconds', '10 minutes', 'an hour or so'."""
    if seconds < 90:
        wait = max(1, round(seconds))
        return "1 second" if wait == 1 else f"{wait} seconds"
    if seconds < 3600:
        return f"{math.ceil(seconds / 60)} minutes"
    return "an hour or so"


class IncompleteReadError(WixError):
    """A paged read ended before it had everything (contract sections 6.7 and 11: an empty page before
    the total, a page that repeats what came before, or more pages than any real site needs).

    What was read is never taken as the whole: the caller keeps what it had. ``what`` is the plural noun
    for people ("labels"); ``received`` how many distinct items came; ``total`` what Wix said there are
    (None when it did not say).
    """

    retryable = True

    def __init__(self, what: str, received: int, total: int | None = None, **kwargs: Unpack[_Details]) -> None:
        self.what = what
        self.received = received
        self.total = total
        if total is not None and total > received:
            message = f"Wix sent only part of your {what} ({received:,} of {total:,})."
        else:
            message = f"Wix sent only part of your {what} ({received:,}, and it didn't say how many there are)."
        super().__init__(message, **kwargs)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9’']+", text.casefold())


def _pairs(text: str) -> set[tuple[str, str]]:
    words = _words(text)
    return set(itertools.pairwise(words))


def in_context(context: str, error: BaseException, advice: str = "") -> str:
    """``"{context}: {message} {advice}"`` for the status bar, saying nothing twice.

    ``context`` is what LabelDesk was doing ("Couldn't refresh the labels"); it is left out when the
    error's message already opens with it ("Can't reach Wix" + "Can't reach Wix. Check …"). ``advice``
    (what to do next, "Press F5 to try again.") is left out when the message already says the same
    (two words in a row in common: "Please try again in a few minutes."). ``error`` is a KnownError
    or an UnexpectedError (labeldesk.errors): its text is plain words, with no class names.
    """
    message = str(error)
    opening = _words(message)[: len(_words(context))]
    parts = [] if not context or opening == _words(context) else [f"{context}:"]
    parts.append(message)
    if advice and not (_pairs(advice) & _pairs(message)):
        parts.append(advice)
    return " ".join(part.strip() for part in parts if part.strip())
