"""Amounts of money as Vietnamese write them."""


def money(amount: int) -> str:
    """'15.000 đồng'."""
    return f"{amount:,} đồng".replace(",", ".")
