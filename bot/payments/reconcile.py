"""Reconciliation: ask the gateway (`querydr`) about payment attempts no IPN has settled, and settle them
through the same code path as the IPN. For IPNs that never arrived; run it from cron every 15 minutes.

    python -m bot.payments.reconcile --older-than 15
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from datetime import datetime, timedelta, timezone

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.payments import vnpay
from bot.payments.service import PaymentService, Unsettled

logger = logging.getLogger(__name__)


async def reconcile(payments: PaymentService, older_than: timedelta) -> dict[str, str]:
    """Each unsettled attempt older than `older_than` and what became of it."""
    settings = payments.settings
    if not settings.api_url:
        raise SystemExit("VNPAY_API_URL is not set: the gateway cannot be asked (querydr).")
    loop = asyncio.get_running_loop()
    pending: list[Unsettled] = await loop.run_in_executor(None, payments.unsettled, older_than)
    outcomes: dict[str, str] = {}
    async with ClientSession(timeout=ClientTimeout(total=20)) as client:
        for attempt in pending:
            request = vnpay.querydr_request(
                settings,
                request_id=secrets.token_hex(8),
                txn_ref=attempt.txn_ref,
                transaction_date=attempt.created_at,
                description=f"Doi soat {attempt.txn_ref}",
                client_ip=settings.client_ip,
                now=datetime.now(timezone.utc),
            )
            try:
                async with client.post(settings.api_url, json=request) as response:
                    answer = await response.json(content_type=None)
            except (ClientError, asyncio.TimeoutError, ValueError) as error:
                outcomes[attempt.txn_ref] = f"gateway unreachable: {type(error).__name__}"
                continue
            outcomes[attempt.txn_ref] = await loop.run_in_executor(None, payments.settle_query, answer)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--older-than", type=int, default=15, metavar="MINUTES")
    args = parser.parse_args(argv)
    from bot.services import services

    app = services()
    if not app.settings.payments.enabled:
        print("Online payment is not configured (VNPAY_TMN_CODE, VNPAY_HASH_SECRET, VNPAY_PAYMENT_URL).")
        return 1
    outcomes = asyncio.run(reconcile(app.payments, timedelta(minutes=args.older_than)))
    for txn_ref, outcome in outcomes.items():
        print(f"{txn_ref}: {outcome}")
    print(f"{len(outcomes)} unsettled payment attempts checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
