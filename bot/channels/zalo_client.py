"""The Zalo Official Account API: sending messages, refreshing the access token, downloading citizens'
files, and checking webhook signatures.

Zalo answers most errors with HTTP 200 and a negative `error` code, so every answer is read: -216/-220 (the
token is invalid or expired: refresh once and resend), -230 (the citizen has not written for 7 days: hold
the message until they do), -32 (rate limit: retry later), other codes (a refused message: give up).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.channels.platform_tokens import PlatformTokens, TokenPair
from bot.channels.sender import FAIL, HOLD, RETRY, SENT, Outcome
from bot.settings import ZaloSettings

logger = logging.getLogger(__name__)

TOKEN_NAME = "zalo_oa"
TOKEN_ERRORS = {-216, -220, -124}
NO_INTERACTION = -230  # no interaction with the OA for 7 days: only the citizen's next message reopens it
RATE_LIMITED = -32
REFRESH_MARGIN = timedelta(hours=1)  # refresh this long before the access token expires (~25 h)
SEED_VALIDITY = timedelta(
    hours=1
)  # the environment's first pair has no known expiry: refresh within the hour
RATE_LIMIT_WAIT_SECONDS = 60.0
DOWNLOAD_LIMIT = 10 * 1024 * 1024


class ZaloError(RuntimeError):
    pass


def signature_ok(settings: ZaloSettings, raw_body: bytes, event: dict[str, Any], header: str | None) -> bool:
    """X-ZEvent-Signature is `mac=` + sha256 (plain, not HMAC) of the parts named by the settings, by default
    app_id + raw body + the body's timestamp + OA secret key."""
    if not header:
        return False
    recipient = event.get("recipient")
    oa_id = event.get("oa_id") or (recipient.get("id", "") if isinstance(recipient, dict) else "")
    parts = {
        "app_id": _utf8(event.get("app_id", "")),
        "oa_id": _utf8(oa_id),
        "raw_body": raw_body,
        "timestamp": _utf8(event.get("timestamp", "")),
        "oa_secret_key": settings.oa_secret_key.encode(),
        "app_secret": settings.app_secret.encode(),
    }
    expected = hashlib.sha256(b"".join(parts.get(name, b"") for name in settings.signature_parts)).hexdigest()
    given = header.strip()
    given = given[4:] if given.lower().startswith("mac=") else given
    return hmac.compare_digest(_utf8(given.lower()), expected.encode())


def _utf8(value: Any) -> bytes:
    """A part of an event not checked yet, so anything JSON can carry: a lone surrogate ("\\ud800") too."""
    return str(value).encode("utf-8", "surrogatepass")


class ZaloClient:
    def __init__(self, settings: ZaloSettings, tokens: PlatformTokens) -> None:
        self.settings = settings
        self.tokens = tokens
        self._session: ClientSession | None = None
        self._refreshing = asyncio.Lock()

    def _http(self) -> ClientSession:
        if self._session is None or self._session.closed:
            self._session = ClientSession(timeout=ClientTimeout(total=15))
        return self._session

    async def _db(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def _pair(self) -> TokenPair:
        pair = await self._db(self.tokens.current, TOKEN_NAME)
        if pair is None:
            seed = TokenPair(
                self.settings.access_token,
                self.settings.refresh_token,
                datetime.now(timezone.utc) + SEED_VALIDITY,
            )
            await self._db(self.tokens.seed, TOKEN_NAME, seed)
            pair = await self._db(self.tokens.current, TOKEN_NAME)
        return pair

    async def access_token(self) -> str:
        pair = await self._pair()
        if pair.expires_at - REFRESH_MARGIN <= datetime.now(timezone.utc):
            try:
                pair = await self.refresh(pair.access_token)
            except (ZaloError, ClientError, asyncio.TimeoutError) as error:
                logger.warning("zalo token refresh failed, using the current token: %s", error)
        return pair.access_token

    async def refresh(self, stale_access_token: str) -> TokenPair:
        """Refresh once, however many sends found the token stale at the same time (in this process and in
        others): whoever gets the lease refreshes; everyone else waits for the pair it saves."""
        async with self._refreshing:
            for _ in range(60):
                pair = await self._pair()
                fresh = pair.expires_at - REFRESH_MARGIN > datetime.now(timezone.utc)
                if pair.access_token != stale_access_token and fresh:
                    return pair  # another send (or process) has refreshed already
                if await self._db(self.tokens.try_lease, TOKEN_NAME):
                    break
                await asyncio.sleep(0.5)
            else:
                raise ZaloError("another process holds the token refresh for too long")
            try:
                new = await self._call_refresh(pair.refresh_token)
            except BaseException:
                await self._db(self.tokens.release, TOKEN_NAME)
                raise
            await self._db(self.tokens.save_refreshed, TOKEN_NAME, new)
            logger.info("zalo access token refreshed; valid until %s", new.expires_at.isoformat())
            return new

    async def _call_refresh(self, refresh_token: str) -> TokenPair:
        async with self._http().post(
            f"{self.settings.oauth_base_url}/v4/oa/access_token",
            data={
                "refresh_token": refresh_token,
                "app_id": self.settings.app_id,
                "grant_type": "refresh_token",
            },
            headers={"secret_key": self.settings.app_secret},
        ) as answer:
            body = await answer.json(content_type=None)
        if not isinstance(body, dict) or not body.get("access_token") or not body.get("refresh_token"):
            error = body.get("error") if isinstance(body, dict) else answer.status
            raise ZaloError(f"token refresh refused (error {error})")
        seconds = int(body.get("expires_in") or 90000)
        return TokenPair(
            body["access_token"],
            body["refresh_token"],
            datetime.now(timezone.utc) + timedelta(seconds=seconds),
        )

    async def _post_message(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self._http().post(
            f"{self.settings.api_base_url}/v3.0/oa/message/cs",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"access_token": token, "Content-Type": "application/json"},
        ) as answer:
            if answer.status != 200:
                raise ZaloError(f"HTTP {answer.status}")
            result = await answer.json(content_type=None)
        if not isinstance(result, dict):
            raise ZaloError("not a JSON object")
        return result

    async def send(self, body: dict[str, Any]) -> Outcome:
        """Send one queued message and say what the queue should do next."""
        try:
            token = await self.access_token()
            result = await self._post_message(token, body)
            if result.get("error") in TOKEN_ERRORS:
                token = (await self.refresh(token)).access_token
                result = await self._post_message(token, body)
        except (ZaloError, ClientError, asyncio.TimeoutError, OSError) as error:
            return Outcome(RETRY, f"{type(error).__name__}: {error}")
        code = result.get("error", 0)
        if code == 0:
            return Outcome(SENT)
        detail = f"zalo error {code}: {str(result.get('message', ''))[:200]}"
        if code == NO_INTERACTION:
            return Outcome(HOLD, detail)
        if code == RATE_LIMITED:
            return Outcome(RETRY, detail, retry_after=RATE_LIMIT_WAIT_SECONDS)
        if code in TOKEN_ERRORS:
            return Outcome(RETRY, detail)
        return Outcome(FAIL, detail)

    async def download(self, url: str, limit: int = DOWNLOAD_LIMIT) -> bytes:
        """A file a citizen sent (the event carries its URL); ValueError when larger than `limit`."""
        async with self._http().get(url) as answer:
            if answer.status != 200:
                raise ZaloError(f"HTTP {answer.status}")
            content = await answer.content.read(limit + 1)
        if len(content) > limit:
            raise ValueError("file too large")
        return content

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
