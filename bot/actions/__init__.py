"""Rasa SDK custom actions: thin adapters that call the domain modules in bot/."""

from bot.privacy.log_masking import install as _mask_personal_data_in_logs
from bot.services import services
from bot.settings import exit_if_refused

# The action server imports this package before it serves anything: mask personal data in all its logs.
_mask_personal_data_in_logs()
# The action server refuses what the back-office refuses (e.g. DVC_FAULT_FILE in production).
exit_if_refused(services().settings)
