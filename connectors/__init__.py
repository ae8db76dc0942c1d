"""Chat channels: Rasa input/output channels for Telegram and Zalo OA, and the embeddable web widget."""

from bot.privacy.log_masking import install as _mask_personal_data_in_logs
from bot.services import services
from bot.settings import exit_if_refused
from connectors.action_responses import install as _validate_action_responses_once

# Rasa imports the channels (credentials.yml) before it serves anything: from then on no log line of the Rasa
# server, its channel workers or these commands carries a phone, CCCD, name or message text in clear.
_mask_personal_data_in_logs()
# The Rasa server refuses what the back-office refuses (e.g. DVC_FAULT_FILE in production).
exit_if_refused(services().settings)
# Action server responses are checked by a schema validator built once (connectors/action_responses.py).
_validate_action_responses_once()
