"""Public statistics of the commune's dossier processing (hồ sơ đã giải quyết, đúng hạn, trễ hạn)."""

from bot.statistics.dossier_statistics import (
    MonthFigures,
    Statistics,
    answer_question,
    describe_month,
    dossier_statistics,
)

__all__ = ["MonthFigures", "Statistics", "answer_question", "describe_month", "dossier_statistics"]
